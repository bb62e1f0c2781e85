/**
 * `build` writes typed accessors per feature service (target/client/<service>.ts): a model's code
 * that reads a feature with the wrong type, or passes a wrong entity key, fails to type-check.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, cpSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../src/index.js";

let dir: string;
beforeAll(async () => {
  dir = path.join(mkdtempSync(path.join(tmpdir(), "fc-accessors-")), "shop");
  cpSync("sample_project/definitions", path.join(dir, "definitions"), { recursive: true });
  cpSync("sample_project/fcompile.yaml", path.join(dir, "fcompile.yaml"));
  cpSync("sample_project/generate-data.mjs", path.join(dir, "generate-data.mjs"));
  execFileSync(process.execPath, ["generate-data.mjs", "--scale", "0.05"], { cwd: dir });
  const r = await build({ projectDir: dir });
  expect(r.ok, JSON.stringify(r.diagnostics)).toBe(true);
});
afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

// Parsed files other than the consumer (TypeScript's lib, the client's types, the accessors) are
// kept across checks: parsing them again for each consumer cost most of this file's time.
const parsed = new Map<string, ts.SourceFile | undefined>();

/** Type-checks one consumer file against the generated accessors and the built client's types. */
function typeErrors(code: string): string[] {
  const file = path.join(dir, "model.ts");
  writeFileSync(file, code);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    // The lib's and the built client's .d.ts are not what is under test; the consumer and the
    // generated accessors (.ts) are still checked in full.
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    baseUrl: dir,
    paths: { "fcompile/client": [path.resolve("dist/client/index.d.ts")] },
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) => {
    if (path.resolve(name) === file) return read(name, ...rest);
    if (!parsed.has(name)) parsed.set(name, read(name, ...rest));
    return parsed.get(name);
  };
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("typed accessors", () => {
  it("are written for each service with the features' types", () => {
    const src = readFileSync(path.join(dir, "target/client/churn_model.ts"), "utf8");
    expect(src).toMatch(/export type ChurnModelEntity = \{\n {2}customer_id: number \| bigint;\n\};/);
    expect(src).toMatch(/total_orders_30d: FeatureValue<bigint>;/);
    expect(src).toMatch(/customer_segment: FeatureValue<string>;/);
    expect(src).toMatch(/export function getChurnModelFeatures\(/);
  });

  it("type-check a correct consumer and reject wrong types and keys", () => {
    const header = `import type { OnlineClient } from "fcompile/client";\nimport { getChurnModelFeatures } from "./target/client/churn_model.ts";\ndeclare const client: OnlineClient;\n`;
    expect(
      typeErrors(
        header +
          `export async function f(): Promise<number> {
  const r = await getChurnModelFeatures(client, [{ customer_id: 1001 }], { at: "2025-06-01" });
  const orders: bigint | null = r.rows[0]!.features.total_orders_30d.value;
  const segment: string | null = r.rows[0]!.features.customer_segment.value;
  return Number(orders ?? 0n) + (segment?.length ?? 0);
}\n`,
      ),
    ).toEqual([]);
    const wrongType = typeErrors(
      header +
        `export async function f() { const r = await getChurnModelFeatures(client, [{ customer_id: 1 }]); const x: string | null = r.rows[0]!.features.total_orders_30d.value; return x; }\n`,
    );
    expect(wrongType.join("\n")).toMatch(/Type 'bigint( \| null)?' is not assignable to type 'string'/);
    const wrongKey = typeErrors(header + `export const p = getChurnModelFeatures(client, [{ customer: 1 }]);\n`);
    expect(wrongKey.join("\n")).toMatch(/'customer' does not exist in type 'ChurnModelEntity'/);
    const wrongFeature = typeErrors(
      header +
        `export async function f() { const r = await getChurnModelFeatures(client, [{ customer_id: 1 }]); return r.rows[0]!.features.nope; }\n`,
    );
    expect(wrongFeature.join("\n")).toMatch(/Property 'nope' does not exist/);
  });

  it("type the columnar read too", () => {
    const header = `import type { OnlineClient } from "fcompile/client";\nimport { getChurnModelFeatureColumns } from "./target/client/churn_model.ts";\ndeclare const client: OnlineClient;\n`;
    expect(
      typeErrors(
        header +
          `export async function f(): Promise<number> {
  const r = await getChurnModelFeatureColumns(client, [{ customer_id: 1001 }, { customer_id: 1002 }]);
  const orders: BigInt64Array = r.columns.total_orders_30d.values;
  const segment: string | null | undefined = r.columns.customer_segment.values[1];
  const when: bigint | undefined = r.columns.total_orders_30d.eventMicros[0];
  const ok: boolean = r.columns.customer_segment.statuses[0] === "PRESENT";
  const avg: Float64Array = r.columns.avg_order_value_30d.values;
  return r.rowCount + orders.length + (segment?.length ?? 0) + Number(when ?? 0n) + (ok ? 1 : 0) + avg[0]!;
}\n`,
      ),
    ).toEqual([]);
    const wrongType = typeErrors(
      header +
        `export async function f() { const r = await getChurnModelFeatureColumns(client, [{ customer_id: 1 }]); const x: (string | null)[] = r.columns.total_orders_30d.values; return x; }\n`,
    );
    expect(wrongType.join("\n")).toMatch(/BigInt64Array/);
    const notArray = typeErrors(
      header +
        `export async function f() { const r = await getChurnModelFeatureColumns(client, [{ customer_id: 1 }]); const x: (number | null)[] = r.columns.avg_order_value_30d.values; return x; }\n`,
    );
    expect(notArray.join("\n")).toMatch(/Float64Array/);
    const wrongFeature = typeErrors(
      header +
        `export async function f() { const r = await getChurnModelFeatureColumns(client, [{ customer_id: 1 }]); return r.columns.nope; }\n`,
    );
    expect(wrongFeature.join("\n")).toMatch(/Property 'nope' does not exist/);
  });
});
