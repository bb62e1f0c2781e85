/**
 * Compiled files as lists of statements. A compiled file is a script: statements end with `;`,
 * separated by a blank line, each preceded by its comments. `build` writes the script; `run` and
 * `materialize` execute the same statements one by one (a runner never writes SQL of its own),
 * streaming data only where a statement reads it from the client (`COPY … FROM STDIN`).
 */

/** Data the runner streams into a `COPY … FROM STDIN` statement. */
export interface StdinData {
  /** Absolute path of the data file. */
  path: string;
  /** The file, relative to the project folder. */
  projectPath: string;
  format: "csv" | "parquet";
  /** The select list DuckDB reads the file with to write it as CSV with a header (casts of declared columns). */
  exportColumns: string;
}

/** One statement of a compiled file, as a runner executes it. */
export interface Statement {
  /** The statement as written in the file: its leading comments, then the SQL, without the closing `;`. */
  sql: string;
  /** For `COPY … FROM STDIN`: the data the runner streams into it. */
  stdin?: StdinData;
  /** After this statement, this (quoted) table exists: `run` checks its columns before going on. */
  creates?: string;
  /** An optimization after the transaction (VACUUM): a failure is ignored. */
  optional?: boolean;
}

/** A compiled file: where `build` writes it, and its statements. */
export interface CompiledScript {
  /** Path under `target/compiled/<dialect>/`, e.g. `run/001_source__orders.sql`. */
  path: string;
  statements: Statement[];
}

/**
 * Splits a script into statements at each `;` outside quotes, comments and dollar-quoted strings.
 * Comments before a statement belong to it; trailing comments with no statement are dropped.
 * Each statement is returned without its `;`, trimmed.
 */
export function splitStatements(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      i = end < 0 ? n : end + 1;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || c === '"') {
      // A doubled quote inside is an escaped quote: scanning on from it finds the real end.
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(c, j);
        if (k < 0) {
          j = n;
          break;
        }
        if (text[k + 1] === c) j = k + 2;
        else {
          j = k + 1;
          break;
        }
      }
      i = j;
    } else if (c === "$") {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(text.slice(i, i + 64))?.[0];
      if (tag && !/[A-Za-z0-9_]/.test(text[i - 1] ?? "")) {
        const end = text.indexOf(tag, i + tag.length);
        i = end < 0 ? n : end + tag.length;
      } else i++;
    } else if (c === ";") {
      const stmt = text.slice(start, i).trim();
      if (stmt) out.push(stmt);
      start = ++i;
    } else i++;
  }
  const rest = text.slice(start).trim();
  if (rest && !isOnlyComments(rest)) out.push(rest);
  return out;
}

/** Whether SQL text holds nothing but comments and blanks. */
export function isOnlyComments(sql: string): boolean {
  return withoutLeadingComments(sql) === "";
}

/** The SQL of a statement without the comment lines before it. */
export function withoutLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith("--")) {
      const end = s.indexOf("\n");
      s = end < 0 ? "" : s.slice(end + 1).trimStart();
    } else if (s.startsWith("/*")) {
      const end = s.indexOf("*/");
      s = end < 0 ? "" : s.slice(end + 2).trimStart();
    } else return s;
  }
}

/**
 * The script text of statements: each ends with `;` (on a line of its own after a trailing `--`
 * comment, which would otherwise swallow it), separated by a blank line.
 */
export function scriptText(statements: readonly Statement[]): string {
  return statements.map((s) => `${terminated(s.sql)}\n`).join("\n");
}

/** SQL followed by `;`, on a new line if its last line has a `--` comment. */
export function terminated(sql: string): string {
  const last = sql.slice(sql.lastIndexOf("\n") + 1);
  return last.includes("--") ? `${sql}\n;` : `${sql};`;
}

/**
 * A rendered template as statements, each marked with what the runner must know: the statement
 * that creates `creates` (its columns are checked after it) and the `COPY … FROM STDIN` that
 * `stdin` is streamed into. Throws when a marker finds no statement (a template that lost one).
 */
export function statementsOf(text: string, marks: { creates?: string; stdin?: StdinData; optional?: boolean } = {}): Statement[] {
  const statements: Statement[] = splitStatements(text).map((sql) => ({ sql }));
  if (marks.creates) {
    const created = statements.find((s) =>
      new RegExp(`^CREATE (OR REPLACE )?TABLE ${escape(marks.creates!)}[\\s(]`).test(withoutLeadingComments(s.sql)),
    );
    if (!created) throw new Error(`compiled script creates no table ${marks.creates}:\n${text}`);
    created.creates = marks.creates;
  }
  if (marks.stdin) {
    const copy = statements.find((s) => /^COPY\b[\s\S]*\bFROM\s+STDIN\b/i.test(withoutLeadingComments(s.sql)));
    if (!copy) throw new Error(`compiled script has no COPY … FROM STDIN for ${marks.stdin.projectPath}:\n${text}`);
    copy.stdin = marks.stdin;
  }
  if (marks.optional) for (const s of statements) s.optional = true;
  return statements;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
