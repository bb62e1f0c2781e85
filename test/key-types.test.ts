/**
 * Join keys have a type (issue 9, B.2): declared on the entity as Feast's value_type, or inferred
 * at build from the data files of the views that read them, and written to manifest.json (null
 * when only the warehouse will know).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";
import { formatDiagnostic } from "../src/diagnostics/diagnostic.js";
import { CONFIG, removeProject, tempProject } from "./helpers/temp-project.js";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeProject));

interface Manifest {
  entities: Record<string, { joinKeys: string[]; keyTypes: Record<string, string | null> }>;
  feature_views: Record<string, { keyTypes: Record<string, string | null> }>;
}

async function manifestOf(files: Record<string, string>): Promise<Manifest> {
  const dir = tempProject({ "fcompile.yaml": CONFIG, ...files });
  dirs.push(dir);
  const r = await build({ projectDir: dir });
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
  return JSON.parse(readFileSync(path.join(dir, "target/manifest.json"), "utf8")) as Manifest;
}

async function errorsOf(files: Record<string, string>): Promise<string[]> {
  const dir = tempProject({ "fcompile.yaml": CONFIG, ...files });
  dirs.push(dir);
  const r = await build({ projectDir: dir });
  expect(r.ok).toBe(false);
  return r.diagnostics.map(formatDiagnostic);
}

const view = (name: string, entities: string, source: string) =>
  `  - {name: ${name}, entities: [${entities}], source: ${source}, features: [{name: f_${name}, type: int64}]}\n`;

describe("join key types", () => {
  it("declared on the entity (either form, mixed), and null where nothing tells", async () => {
    const m = await manifestOf({
      "definitions/d.yml":
        "entities:\n" +
        "  - {name: store, join_keys: [store_id, {name: product_id, type: string}]}\n" +
        "  - name: customer\n    join_keys:\n      - {name: customer_id, type: int64}\n" +
        "sources:\n  - {name: t, table: raw.t, timestamp: ts}\n" +
        "feature_views:\n" +
        view("a", "store", "t") +
        view("b", "customer, store", "t"),
    });
    expect(m.entities.store!.joinKeys).toEqual(["store_id", "product_id"]);
    expect(m.entities.store!.keyTypes).toEqual({ store_id: null, product_id: "string" });
    expect(m.entities.customer!.keyTypes).toEqual({ customer_id: "int64" });
    expect(m.feature_views.a!.keyTypes).toEqual({ store_id: null, product_id: "string" });
    expect(m.feature_views.b!.keyTypes).toEqual({ customer_id: "int64", store_id: null, product_id: "string" });
  });

  it("inferred from the data files of plain views: integers → int64, text → string; declared types win", async () => {
    const m = await manifestOf({
      "definitions/d.yml":
        "entities:\n  - {name: user, join_keys: [user_id]}\n  - {name: page, join_keys: [page]}\n" +
        "  - {name: country, join_keys: [{name: code, type: string}]}\n" +
        "sources:\n  - {name: s, path: ../data/s.csv, timestamp: ts}\n  - {name: c, path: ../data/c.csv, timestamp: ts}\n" +
        "feature_views:\n" +
        view("a", "user, page", "s") +
        view("b", "country", "c"),
      "data/s.csv": "user_id,page,ts,f_a\n9007199254740993,home,2025-01-01,1\n",
      "data/c.csv": "code,ts,f_b\n44,2025-01-01,1\n",
    });
    expect(m.entities.user!.keyTypes).toEqual({ user_id: "int64" });
    expect(m.entities.page!.keyTypes).toEqual({ page: "string" });
    expect(m.entities.country!.keyTypes).toEqual({ code: "string" }); // the file reads 44 as an integer
    expect(m.feature_views.a!.keyTypes).toEqual({ user_id: "int64", page: "string" });
  });

  it("typed accessors give each key its type (int64 → number | bigint, string → string, untyped → any key value)", async () => {
    const dir = tempProject({
      "fcompile.yaml": CONFIG,
      "definitions/d.yml":
        "entities:\n  - {name: store, join_keys: [{name: store_id, type: int64}, {name: sku, type: string}, region]}\n" +
        "sources:\n  - {name: t, table: raw.t, timestamp: ts}\n" +
        "feature_views:\n" +
        view("a", "store", "t") +
        "feature_services:\n  - {name: svc, features: [a:f_a]}\n",
    });
    dirs.push(dir);
    expect((await build({ projectDir: dir })).ok).toBe(true);
    const src = readFileSync(path.join(dir, "target/client/svc.ts"), "utf8");
    expect(src).toContain(
      "export type SvcEntity = {\n  store_id: number | bigint;\n  sku: string;\n  region: string | number | bigint;\n};",
    );
  });

  it("a missing data file, an SQL view or a key column of another type leaves the key untyped", async () => {
    const m = await manifestOf({
      "definitions/d.yml":
        "entities:\n  - {name: user, join_keys: [user_id]}\n  - {name: day, join_keys: [day]}\n" +
        "sources:\n  - {name: s, path: ../data/s.csv, timestamp: ts}\n" +
        "feature_views:\n" +
        view("a", "day", "s") +
        "  - {name: q, entities: [user], sql: q.sql, timestamp: ts, features: [{name: g, type: int64}]}\n",
      "definitions/q.sql": "SELECT 1 AS user_id, now() AS ts, 2 AS g",
      "data/s.csv": "day,ts,f_a\n2025-01-01,2025-01-01,1\n",
    });
    expect(m.entities.user!.keyTypes).toEqual({ user_id: null });
    expect(m.entities.day!.keyTypes).toEqual({ day: null }); // a DATE column: neither int64 nor string
  });

  it("two views that read one key as different types are an error at the second view", async () => {
    const errors = await errorsOf({
      "definitions/d.yml":
        "entities:\n  - {name: user, join_keys: [user_id]}\n" +
        "sources:\n  - {name: s1, path: ../data/s1.csv, timestamp: ts}\n  - {name: s2, path: ../data/s2.csv, timestamp: ts}\n" +
        "feature_views:\n" +
        view("a", "user", "s1") +
        view("b", "user", "s2"),
      "data/s1.csv": "user_id,ts,f_a\n1,2025-01-01,1\n",
      "data/s2.csv": "user_id,ts,f_b\nu1,2025-01-01,1\n",
    });
    expect(errors).toEqual([
      "definitions/d.yml:8:26: error FC003: join key 'user_id' of entity 'user' reads as string in view 'b' (data/s2.csv (VARCHAR)) but as int64 in view 'a' (data/s1.csv (BIGINT)); declare its type on the entity, e.g. join_keys: [{name: user_id, type: int64}], and fix the data that disagrees (a column with no values at all reads as text: declaring the type is then enough)",
    ]);
  });

  it("two entities of one view that type a shared key differently", async () => {
    expect(
      await errorsOf({
        "definitions/d.yml":
          "entities:\n  - {name: a, join_keys: [{name: id, type: int64}]}\n  - {name: b, join_keys: [{name: id, type: string}]}\n" +
          "sources:\n  - {name: t, table: raw.t, timestamp: ts}\n" +
          "feature_views:\n" +
          view("v", "a, b", "t"),
      }),
    ).toEqual([
      "definitions/d.yml:7:29: error FC003: join key 'id' is string in entity 'b' but int64 in entity 'a', both in view 'v'; give the key one type",
    ]);
  });

  it("a wrong declaration is located: unknown type, missing type, unknown key, repeated key", async () => {
    expect(
      await errorsOf({
        "definitions/d.yml": [
          "entities:",
          "  - name: a",
          "    join_keys:",
          "      - {name: id, type: int32}",
          "      - {name: id2}",
          "      - {name: id3, type: string, size: 3}",
          "  - {name: b, join_keys: [k, {name: k, type: string}]}",
        ].join("\n"),
      }),
    ).toEqual([
      `definitions/d.yml:4:26: error FC003: 'type' must be one of: int64, string (got "int32")`,
      "definitions/d.yml:5:9: error FC004: missing required key 'type' in item 2 of 'join_keys'",
      "definitions/d.yml:6:35: error FC002: unknown key 'size'; expected one of: name, type",
      "definitions/d.yml:7:30: error FC005: join key 'k' is listed twice in entity 'b'",
    ]);
  });
});
