import { openSync, readSync, closeSync } from "node:fs";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { YamlPath } from "../project/yaml-file.js";
import type { FileSource, PlainView } from "./types.js";

/** The header of a CSV file (first line, quotes honoured); undefined if unreadable. */
export function readCsvHeader(file: string): string[] | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n).toString("utf8").split(/\r?\n/)[0] ?? "";
    const cols: string[] = [];
    let cur = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ",") {
        cols.push(cur.trim());
        cur = "";
      } else cur += c;
    }
    cols.push(cur.trim());
    return cols.map((c) => c.replace(/^\uFEFF/, ""));
  } finally {
    closeSync(fd);
  }
}

/** README, "A project": a file source's join-key and feature columns must exist in the file. */
export function checkFileSourceColumns(view: PlainView, src: FileSource, bag: DiagnosticBag, at: (...p: YamlPath) => SourceLocation): void {
  const header = readCsvHeader(src.path);
  if (!header) return;
  const have = new Set(header);
  const missing = (col: string, role: string, where: SourceLocation): void => {
    if (!have.has(col)) {
      bag.error("FC017", `${role} column '${col}' is not in ${src.projectPath} (columns: ${header.join(", ")})`, where);
    }
  };
  for (const k of view.joinKeys) missing(k, "join key", at("entities"));
  missing(view.timestamp, "timestamp", at("source"));
  if (view.createdTimestamp) missing(view.createdTimestamp, "created timestamp", at("source"));
  view.features.forEach((f, i) => missing(f.name, "feature", at("features", i, "name")));
}
