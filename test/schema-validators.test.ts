import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { ValidateFunction } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { schemaAjv, schemaText, schemasHash } from "../src/project/schema-ajv.js";
import type { SchemaKind } from "../src/project/schema-ajv.js";

/**
 * `npm run build` compiles the schemas ahead of time (scripts/compile-schemas.mjs →
 * dist/project/schema-validators.cjs) so that reading a project loads no ajv; src/project/schema-check.ts
 * falls back to compiling them with ajv. Both must give the same errors, word for word (the
 * diagnostics are made from them), on valid and broken files alike.
 */
const require = createRequire(import.meta.url);
const built = path.resolve("dist/project/schema-validators.cjs");

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "node_modules" || name.startsWith(".") ? [] : yamlFiles(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

/** Documents from a valid one: each leaf replaced by a wrong value, each key removed, an unknown key added. */
function broken(doc: unknown): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, replace: (v: unknown) => unknown): void => {
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, (w) => replace(node.map((x, j) => (j === i ? w : x)))));
      out.push(replace([]));
    } else if (node && typeof node === "object") {
      const obj = node as Record<string, unknown>;
      out.push(replace({ ...obj, unknwon_key: 1 }));
      for (const k of Object.keys(obj)) {
        const { [k]: _drop, ...rest } = obj;
        out.push(replace(rest));
        walk(obj[k], (w) => replace({ ...obj, [k]: w }));
      }
    } else {
      for (const bad of [7, "9 not valid", "", null, true, "x".repeat(70), "__fc_x"]) out.push(replace(bad));
    }
  };
  walk(doc, (v) => v);
  return out;
}

describe("schema validators compiled ahead of time", () => {
  const made = existsSync(built) ? (require(built) as Record<SchemaKind, ValidateFunction> & { schemasHash: string }) : undefined;

  it("are built from the schemas as they are now", () => {
    expect(made, "npm run build writes dist/project/schema-validators.cjs").toBeDefined();
    expect(made!.schemasHash).toBe(schemasHash({ definitions: schemaText("definitions"), config: schemaText("config") }));
  });

  it("give ajv's errors, word for word, on every project file of the repository and on broken variants of them", () => {
    const ajv = schemaAjv();
    const runtime = {
      definitions: ajv.compile(JSON.parse(schemaText("definitions")) as object),
      config: ajv.compile(JSON.parse(schemaText("config")) as object),
    };
    let compared = 0;
    let failing = 0;
    for (const file of [...yamlFiles("sample_project"), ...yamlFiles("test/fixtures"), ...yamlFiles("scaffold")]) {
      const kind: SchemaKind = path.basename(file).startsWith("fcompile.") ? "config" : "definitions";
      let doc: unknown;
      try {
        doc = parse(readFileSync(file, "utf8"), { merge: true });
      } catch {
        continue; // fixtures of YAML syntax errors
      }
      for (const variant of [doc ?? {}, ...broken(doc ?? {})]) {
        const a = runtime[kind](variant);
        const b = made![kind](variant);
        expect(b, file).toBe(a);
        expect(JSON.stringify(made![kind].errors), file).toBe(JSON.stringify(runtime[kind].errors));
        compared++;
        if (!a) failing++;
      }
    }
    expect(compared).toBeGreaterThan(1000);
    expect(failing).toBeGreaterThan(900);
  });
});
