/**
 * The words of a piece of SQL with their offsets: unquoted identifiers and keywords, outside
 * string literals, quoted identifiers, comments and `{{…}}` placeholders. What the leakage rules
 * scan (a word's offset locates a finding exactly).
 */
import { skipQuoted } from "../../registry/sql-quotes.js";

/** An unquoted word of SQL: its text in lower case, its offset, and whether `(` follows it (a call). */
export interface SqlWord {
  word: string;
  offset: number;
  call: boolean;
}

/** The unquoted words of `sql`, in order. */
export function sqlWords(sql: string): SqlWord[] {
  const out: SqlWord[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === "`") i = skipQuoted(sql, i, c);
    else if (sql.startsWith("--", i)) i = endOf(sql.indexOf("\n", i), sql.length);
    else if (sql.startsWith("/*", i)) i = endOf(sql.indexOf("*/", i + 2), sql.length - 2) + 2;
    else if (sql.startsWith("{{", i)) i = endOf(sql.indexOf("}}", i + 2), sql.length - 2) + 2;
    else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      let k = j;
      while (k < sql.length && /\s/.test(sql[k]!)) k++;
      out.push({ word: sql.slice(i, j).toLowerCase(), offset: i, call: sql[k] === "(" });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_.]/.test(sql[j]!)) j++;
      i = j;
    } else i++;
  }
  return out;
}

function endOf(found: number, otherwise: number): number {
  return found < 0 ? otherwise : found;
}
