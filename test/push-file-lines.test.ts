/**
 * Where each row of a push file starts (FILE:LINE of bad rows), checked against DuckDB's own CSV
 * reading, and NDJSON read value by value.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { csvRecordLines } from "../src/warehouse/csv-lines.js";
import { readNdjson } from "../src/warehouse/ndjson-file.js";
import { openPushFile } from "../src/warehouse/push-file.js";

const dir = mkdtempSync(path.join(tmpdir(), "fc-push-lines-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("csvRecordLines", () => {
  it.each([
    ["a quoted field over two lines", 'a,b\n1,"x\ny"\n2,z\n', [2, 4]],
    ["CRLF, a blank line skipped", 'a,b\r\n1,"x\r\ny"\r\n\r\n2,z\r\n', [2, 5]],
    ["leading blank lines, a doubled quote", '\n\na,b\n1,"say ""hi""\n"\n2,z', [4, 6]],
    ["one column: a blank line after the header is a NULL row", "\na\n1\n\n2\n", [3, 4, 5]],
  ])("%s: the first line of each row, as many rows as DuckDB reads", async (_, text, lines) => {
    const file = path.join(dir, `${lines.join("-")}.csv`);
    writeFileSync(file, text);
    const columns = (await openPushFile(file, "csv")).columns.length;
    expect(csvRecordLines(text, columns)).toEqual(lines);
    expect((await openPushFile(file, "csv")).lines).toEqual(lines);
  });
});

describe("readNdjson", () => {
  it("keeps each value's JSON type (integers exact as bigint), fills absent keys with null, skips blank lines", async () => {
    const file = path.join(dir, "mixed.ndjson");
    writeFileSync(file, '\n{"a": "2025-01-01T12:10:00Z", "n": 1.5}\n\n{"a": 1735733400000000, "b": 12345678901234567890, "c": true}\n');
    expect(await readNdjson(file)).toEqual({
      columns: ["a", "n", "b", "c"],
      rows: [
        { a: "2025-01-01T12:10:00Z", n: 1.5, b: null, c: null },
        { a: 1735733400000000n, n: null, b: 12345678901234567890n, c: true },
      ],
      lines: [2, 4],
    });
  });

  it("names the line of a malformed row or one that is not an object", async () => {
    const bad = path.join(dir, "bad.ndjson");
    writeFileSync(bad, '{"a": 1}\n{"a": \n');
    await expect(readNdjson(bad)).rejects.toThrow(/^line 2: /);
    writeFileSync(bad, '{"a": 1}\n\n[1, 2]\n');
    await expect(readNdjson(bad)).rejects.toThrow("line 3: not a JSON object (one object a line)");
  });
});
