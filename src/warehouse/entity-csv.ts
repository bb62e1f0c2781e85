import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { userError } from "../diagnostics/diagnostic.js";

/** The header of a CSV entity file: its delimiter and column names. */
export interface CsvHeader {
  delimiter: string;
  names: string[];
}

const DELIMITERS = [",", ";", "\t", "|"];
const CHUNK = 1 << 16;

/**
 * Reads the first record of a CSV file (RFC 4180 quoting with `"`) and takes the delimiter that
 * occurs most often in it outside quotes (`,` on a tie). `display` names the file in errors.
 * Throws a user error for an empty file or a header that does not end.
 */
export function readCsvHeader(file: string, display: string): CsvHeader {
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  let text = "";
  try {
    const buf = Buffer.alloc(CHUNK);
    const decoder = new StringDecoder("utf8");
    for (let pos = 0; pos < size; pos += CHUNK) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      text += decoder.write(buf.subarray(0, n));
      const end = recordEnd(text);
      if (end >= 0) {
        text = text.slice(0, end);
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  text = text.replace(/^\uFEFF/, "").replace(/\r?\n$/, "");
  if (text.trim() === "") {
    throw userError(
      "FC015",
      `entity file ${display} is empty: it needs a header line naming its columns (the join keys and the timestamp column) and one line per entity row`,
      display,
    );
  }
  const counts = DELIMITERS.map((d) => countOutsideQuotes(text, d));
  const best = counts.indexOf(Math.max(...counts));
  const delimiter = counts[best]! > 0 ? DELIMITERS[best]! : ",";
  return { delimiter, names: splitRecord(text, delimiter) };
}

/** Index just past the first record's line break (outside quotes), or -1 if the text has none yet. */
function recordEnd(text: string): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (c === "\n" && !quoted) return i + 1;
  }
  return -1;
}

function countOutsideQuotes(text: string, d: string): number {
  let quoted = false;
  let n = 0;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    else if (c === d && !quoted) n++;
  }
  return n;
}

function splitRecord(text: string, d: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === d) {
      out.push(cur);
      cur = "";
    } else if (c !== "\r") cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Where data rows of a CSV file start: for each 1-based data row number asked for, its 1-based
 * line and the 1-based column (in characters) where field `field` starts. Reads the file once,
 * following quotes, so rows with quoted line breaks are counted right. Used only to report errors.
 */
export function rowPositions(file: string, delimiter: string, rows: Map<number, number>): Map<number, { line: number; col: number }> {
  const out = new Map<number, { line: number; col: number }>();
  const size = statSync(file).size;
  const fd = openSync(file, "r");
  const buf = Buffer.alloc(CHUNK);
  const decoder = new StringDecoder("utf8");
  let line = 1;
  let col = 1;
  let record = 0; // 0: the header
  let field = 0;
  let quoted = false;
  let atRecordStart = true;
  const note = (): void => {
    const want = rows.get(record);
    if (want === field && !out.has(record)) out.set(record, { line, col });
  };
  try {
    for (let pos = 0; pos < size && out.size < rows.size; pos += CHUNK) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      for (const c of decoder.write(buf.subarray(0, n))) {
        if (atRecordStart) {
          atRecordStart = false;
          field = 0;
          note();
        }
        if (c === '"') quoted = !quoted;
        else if (!quoted && c === delimiter) {
          field++;
          col++;
          note();
          continue;
        } else if (c === "\n") {
          line++;
          col = 1;
          if (!quoted) {
            record++;
            atRecordStart = true;
          }
          continue;
        }
        col++;
      }
    }
  } finally {
    closeSync(fd);
  }
  return out;
}
