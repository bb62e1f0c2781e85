/**
 * `npm run test:fast` runs the tests that need no PostgreSQL or Redis. Which tests those are is
 * read from the files (test/helpers/server-tests.ts); these tests check that reading, on a
 * made-up tree with every way a test can reach a server, and that the vitest projects use it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import config from "./vitest.config.js";
import { splitTests, testFiles } from "./helpers/server-tests.js";

const tmp = mkdtempSync(path.join(tmpdir(), "fc-split-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(tmp, "t-"));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe("which tests need a server", () => {
  it("follows imports of test modules to the server helpers, and sees drivers and addresses", () => {
    // Drivers and addresses are spelled in pieces, so that this file itself needs no server.
    const pg = "pg";
    const ioredis = "ioredis";
    const address = ["redis:", "", ["127.0.0.1", "6379"].join(":"), "0"].join("/");
    const from = (spec: string): string => ["from", `"${spec}"`].join(" ");
    const root = tree({
      "test/helpers/postgres.ts": `import pg from "${pg}";\n`,
      "test/helpers/redis.ts": `import { Redis } from "${ioredis}";\n`,
      "test/helpers/harness.ts": `export { REDIS_URL } ${from("./redis.js")};\n`,
      "test/a-direct.test.ts": `import { PG_URL } ${from("./helpers/postgres.js")};\n`,
      "test/b-through-harness.test.ts": `import { REDIS_URL } ${from("./helpers/harness.js")};\n`,
      "test/c-driver.test.ts": `const { Redis } = await import("${ioredis}");\n`,
      "test/d-address.test.ts": `const url = "${address}";\n`,
      "test/e-src-runner.test.ts": `import { PostgresWarehouse } ${from("../src/warehouse/postgres.js")};\n`,
      "test/f-plain.test.ts": `import { expect } from "vitest";\nimport { x } ${from("./g-cycle.js")};\n`,
      "test/g-cycle.ts": `import { y } ${from("./f-plain.test.js")};\nexport const x = 1;\n`,
      "test/sub/h-nested.test.ts": `import { PG_URL } ${from("../helpers/postgres.js")};\n`,
      "src/warehouse/postgres.ts": `import pg from "${pg}";\n`,
    });
    const { fast, server } = splitTests(root);
    expect(fast).toEqual(["test/e-src-runner.test.ts", "test/f-plain.test.ts"]);
    expect(Object.fromEntries(server)).toEqual({
      "test/a-direct.test.ts": "imports helpers/postgres.ts, which is test/helpers/postgres.ts",
      "test/b-through-harness.test.ts": "imports helpers/harness.ts, which imports redis.ts, which is test/helpers/redis.ts",
      "test/c-driver.test.ts": "imports a server driver (pg or ioredis)",
      "test/d-address.test.ts": "names a server address",
      "test/sub/h-nested.test.ts": "imports ../helpers/postgres.ts, which is test/helpers/postgres.ts",
    });
  });

  it("splits this repository's tests into two disjoint projects that cover every test file", () => {
    const { fast, server } = splitTests(process.cwd());
    const all = testFiles(process.cwd());
    expect([...fast, ...server.keys()].sort()).toEqual(all);
    for (const f of ["test/pit-differential.test.ts", "test/serve.test.ts", "test/client-imports.test.ts"])
      expect(server.has(f), f).toBe(true);
    for (const f of ["test/layering.test.ts", "test/golden-sql.test.ts", "test/test-split.test.ts"]) expect(fast, f).toContain(f);
  });

  it("the vitest projects 'fast' and 'server' are that split", () => {
    const { fast, server } = splitTests(process.cwd());
    const projects = (config.test?.projects ?? []) as { test: { name: string; include: string[] } }[];
    expect(projects.map((p) => [p.test.name, p.test.include])).toEqual([
      ["fast", fast],
      ["server", [...server.keys()]],
    ]);
  });
});
