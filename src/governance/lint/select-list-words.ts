/**
 * A cheap test, without parsing, of whether two outputs of one SELECT can be the same expression
 * (the duplicate-expression rule, within one view): parsing is most of lint's time, and most SQL
 * views repeat no expression. Each top-level item of the outer SELECT list gets the set of words
 * and operators it uses (identifiers, keywords, function and type names, lower-cased;
 * double-quoted identifiers by their text; `!=` as `<>`), without its alias, table qualifiers (`o.`
 * of `o.amount`), `AS`, `CAST`, numbers, strings, comments and placeholders. Two outputs
 * with one normalized key (normalize-sql.ts: aliases, qualifiers, case, spacing, comments and the
 * order of commutative operands dropped) use the same words, so distinct sets mean no duplicate.
 */
import { quotedRunEnd } from "../../registry/sql-quotes.js";
import type { SqlPart } from "../../registry/types.js";

/** Tokens that are not words: parentheses, commas, a number, a string. */
const NUMBER = "\u00000";
const STRING = "\u0000'";
const STRUCTURE = new Set(["(", ")", ",", NUMBER, STRING]);
const isWord = (t: string): boolean => !STRUCTURE.has(t) && !t.startsWith("\u0002");
/** Characters of operators (`*`, `<>`, `::`, `||`): kept as tokens (`!=` as `<>`, as the normalized key has it). */
const OPERATOR = /[-+*/%<>=!|&^~:]/;

/**
 * False only when no two items of the SELECT list use the same words (then no two outputs are the
 * same expression); true when two do, or when the SQL is not one the scan reads for sure (not
 * starting with SELECT, SELECT DISTINCT or ALL, unbalanced parentheses, no top-level FROM).
 */
export function mayRepeatAnOutput(parts: readonly SqlPart[]): boolean {
  const tokens = scan(parts.map((p) => (typeof p === "string" ? p : " ")).join(""));
  if (tokens === undefined || tokens[0] !== "select" || tokens[1] === "distinct" || tokens[1] === "all") return true;
  const items: string[][] = [[]];
  let depth = 0;
  let end = -1;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === "(") depth++;
    else if (t === ")") depth--;
    if (depth < 0) return true;
    // The list ends at its FROM (not the one of `a IS DISTINCT FROM b`).
    if (depth === 0 && t === "from" && tokens[i - 1] !== "distinct") {
      end = i;
      break;
    }
    if (depth === 0 && t === ",") items.push([]);
    else items[items.length - 1]!.push(t);
  }
  if (end < 0) return true;
  const seen = new Set<string>();
  for (const item of items) {
    const key = [...new Set(withoutAlias(item).filter((t) => !STRUCTURE.has(t) && t !== "as" && t !== "cast"))].sort().join(" ");
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

/** An item's tokens less a trailing alias (`expr AS name`, `expr name`). */
function withoutAlias(item: string[]): string[] {
  const n = item.length;
  if (n >= 2 && isWord(item[n - 1]!)) {
    const before = item[n - 2]!;
    if (before === "as") return item.slice(0, n - 2);
    // An alias follows the expression's last word, `)` or literal, never an operator.
    if (before !== "(" && before !== "," && !before.startsWith("\u0002")) return item.slice(0, n - 1);
  }
  return item;
}

/**
 * The tokens of SQL: lower-cased words (a double-quoted identifier as its text), `(`, `)`, `,`,
 * each number as NUMBER and string as STRING; qualifiers (a name before `.`), comments and other
 * characters dropped. Undefined when a quote or comment does not end.
 */
function scan(sql: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      const j = quotedRunEnd(sql, i, "'");
      if (j < 0) return undefined;
      out.push(STRING);
      i = j;
    } else if (c === '"') {
      const j = quotedRunEnd(sql, i, '"');
      if (j < 0) return undefined;
      // As the normalized key reads it: `"Amount"` is the column amount.
      const name = sql
        .slice(i + 1, j - 1)
        .replace(/""/g, '"')
        .toLowerCase();
      pushName(out, STRUCTURE.has(name) ? `\u0001${name}` : name, sql, j);
      i = j;
    } else if (sql.startsWith("--", i)) {
      const j = sql.indexOf("\n", i);
      i = j < 0 ? sql.length : j;
    } else if (sql.startsWith("/*", i)) {
      const j = sql.indexOf("*/", i + 2);
      if (j < 0) return undefined;
      i = j + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      pushName(out, sql.slice(i, j).toLowerCase(), sql, j);
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_.]/.test(sql[j]!)) j++;
      out.push(NUMBER);
      i = j;
    } else if (OPERATOR.test(c)) {
      let j = i + 1;
      while (j < sql.length && OPERATOR.test(sql[j]!)) j++;
      const op = sql.slice(i, j);
      out.push(`\u0002${op === "!=" ? "<>" : op}`);
      i = j;
    } else {
      if (c === "(" || c === ")" || c === ",") out.push(c);
      i++;
    }
  }
  return out;
}

/** Pushes a name unless a `.` follows it (a qualifier: `o` of `o.amount`). */
function pushName(out: string[], name: string, sql: string, after: number): void {
  let k = after;
  while (k < sql.length && /\s/.test(sql[k]!)) k++;
  if (sql[k] !== ".") out.push(name);
}
