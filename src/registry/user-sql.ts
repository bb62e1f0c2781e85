import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import { locationInText } from "../project/yaml-file.js";
import type { SqlPart } from "./types.js";

const TEMPLATE = /\{\{([\s\S]*?)\}\}/g;
const CALL = /^\s*(source|ref)\s+"([a-z][a-z0-9_]*)"\s*$/;

/**
 * Splits user SQL into text and `{{source "x"}}` / `{{ref "y"}}` placeholders, keeping the
 * position of each placeholder. Any other `{{…}}` is reported.
 */
export function splitUserSql(text: string, file: string, bag: DiagnosticBag): SqlPart[] {
  const parts: SqlPart[] = [];
  let last = 0;
  for (const m of text.matchAll(TEMPLATE)) {
    const at = locationInText(text, m.index, file);
    parts.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const call = CALL.exec(m[1]!);
    if (!call) {
      bag.error("FC008", `unknown template expression '${m[0]}'; use {{source "name"}} or {{ref "view_name"}}`, at);
      parts.push(m[0]);
      continue;
    }
    parts.push({ kind: call[1] as "source" | "ref", name: call[2]!, at, raw: m[0] });
  }
  parts.push(text.slice(last));
  return parts.filter((p) => p !== "");
}

/** The SQL with placeholders replaced, plus a map from rendered offsets back to offsets in the file. */
export function renderUserSql(
  parts: readonly SqlPart[],
  relation: (p: Exclude<SqlPart, string>) => string,
): { sql: string; toFileOffset: (renderedOffset: number) => number } {
  let sql = "";
  let fileOffset = 0;
  const spans: { rendered: number; file: number; literal: boolean }[] = [];
  for (const p of parts) {
    if (typeof p === "string") {
      spans.push({ rendered: sql.length, file: fileOffset, literal: true });
      sql += p;
      fileOffset += p.length;
    } else {
      const r = relation(p);
      spans.push({ rendered: sql.length, file: fileOffset, literal: false });
      sql += r;
      fileOffset += p.raw.length;
    }
  }
  const toFileOffset = (off: number): number => {
    let span = spans[0];
    for (const s of spans) if (s.rendered <= off) span = s;
    if (!span) return 0;
    return span.literal ? span.file + (off - span.rendered) : span.file;
  };
  return { sql, toFileOffset };
}
