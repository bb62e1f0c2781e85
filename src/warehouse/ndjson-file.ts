import { readFile } from "node:fs/promises";
import { isInteger, parse } from "lossless-json";

/** An NDJSON file's rows: each value keeps its own JSON type; `lines[i]` is row i's line in the file (1-based). */
export interface NdjsonRows {
  /** Keys in the order first seen; every row has every key (null where its object lacks it). */
  columns: string[];
  rows: Record<string, unknown>[];
  lines: number[];
}

/**
 * Reads an NDJSON (JSON Lines) file: one JSON object a line, blank lines skipped. Values keep
 * their JSON type row by row (a column of mixed types is not coerced): integers as bigint (exact
 * at any size), other numbers as number, text, booleans, null, nested arrays and objects as they
 * are. Throws an Error naming the 1-based line of a line that is not a JSON object (`line 3: …`)
 * or of a key named `__proto__`; the file system's error for a missing file.
 */
export async function readNdjson(file: string): Promise<NdjsonRows> {
  const text = await readFile(file, "utf8");
  const physical = text.split(/\r?\n/);
  const keys = new Map<string, true>();
  const parsed: Record<string, unknown>[] = [];
  const lines: number[] = [];
  physical.forEach((line, i) => {
    if (line.trim() === "" || (i === 0 && line.trim() === "\uFEFF")) return;
    let v: unknown;
    try {
      v = parse(i === 0 ? line.replace(/^\uFEFF/, "") : line, refuseProto, exactNumber);
    } catch (err) {
      throw new Error(`line ${i + 1}: ${(err as Error).message}`);
    }
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`line ${i + 1}: not a JSON object (one object a line)`);
    for (const k of Object.keys(v)) keys.set(k, true);
    parsed.push(v as Record<string, unknown>);
    lines.push(i + 1);
  });
  const columns = [...keys.keys()];
  const rows = parsed.map((p) => {
    const o: Record<string, unknown> = {};
    for (const c of columns) o[c] = p[c] ?? null;
    return o;
  });
  return { columns, rows, lines };
}

/** A JSON number: an integer as bigint (exact, as DuckDB reads a BIGINT), any other as number. */
function exactNumber(text: string): number | bigint {
  return isInteger(text) ? BigInt(text) : Number(text);
}

function refuseProto(key: string, value?: unknown): unknown {
  if (key === "__proto__") throw new SyntaxError("the key '__proto__' is not allowed");
  return value;
}
