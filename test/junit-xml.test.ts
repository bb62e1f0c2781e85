/**
 * `--junit`'s XML (src/governance/test/junit.ts): names, messages and sample rows with markup
 * characters, quotes, newlines and characters XML 1.0 cannot hold still give a well-formed
 * document that parses back to the same text and counts.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { junitXml } from "../src/governance/test/junit.js";
import type { TestResult } from "../src/governance/test/results.js";

const result: TestResult = {
  project: "p",
  target: "w",
  at: "2025-01-07 00:00:00",
  start: null,
  ok: false,
  tests: [
    {
      view: "v",
      feature: "f",
      name: "f__accepted_values",
      kind: "accepted_values",
      status: "fail",
      failing: 2,
      sample: [{ f: `<a & "b"> 'c'\n]]>\u0001` }],
      file: "target/compiled/duckdb/test/v/f__accepted_values.sql",
    },
    { view: "v", feature: "f", name: "f__not_null", kind: "not_null", status: "pass", failing: 0, sample: [], file: "x" },
  ],
  freshness: [{ view: "w", status: "warn", newest: "2025-01-05 10:00:00", ageSeconds: 136800, warnAfter: "1d", errorAfter: "3d" }],
};

describe("junitXml", () => {
  it("escapes text and attributes and keeps the counts", () => {
    const xml = junitXml(result);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      processEntities: true,
      isArray: (n) => ["testsuite", "testcase"].includes(n),
    }).parse(xml) as {
      testsuites: {
        tests: string;
        failures: string;
        testsuite: {
          name: string;
          tests: string;
          failures: string;
          testcase: { name: string; failure?: { "#text": string; message: string }; "system-out"?: string }[];
        }[];
      };
    };
    expect(doc.testsuites).toMatchObject({ tests: "3", failures: "1" });
    const [v, w] = doc.testsuites.testsuite;
    expect(v).toMatchObject({ name: "v", tests: "2", failures: "1" });
    const failure = v!.testcase[0]!.failure!;
    expect(failure.message).toBe("2 failing rows");
    // Sample rows are JSON (a control character is escaped there); markup and quotes come back as written.
    expect(failure["#text"]).toContain(JSON.stringify({ f: `<a & "b"> 'c'\n]]>\u0001` }));
    expect(w).toMatchObject({ name: "w", tests: "1", failures: "0" });
    expect(w!.testcase[0]!["system-out"]).toMatch(/^warning: stale: newest event 2025-01-05 10:00:00/);
  });

  it("drops characters XML 1.0 cannot hold from names", () => {
    const xml = junitXml({ ...result, tests: [{ ...result.tests[1]!, name: "a\u0000b<c>" }], freshness: [] });
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('name="ab&lt;c&gt;"');
  });
});
