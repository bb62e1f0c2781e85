import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import { DIALECTS } from "../dialects/index.js";
import type { FileSourceColumn } from "../dialects/template-contexts.js";
import type { DataFileColumn, FeatureType, FeatureView, FileSource, Registry, SqlRows, SqlView } from "../registry/types.js";
import { sqlRowsOf } from "../registry/types.js";
import { renderUserSql } from "../registry/user-sql.js";
import { pitIndexColumns, pitIndexes } from "./pit-index.js";
import type { CompileTarget } from "./relations.js";
import { pushedTable, sourceRelation, sqlViewRelation, unreachable, viewInput, viewsOfSource } from "./relations.js";
import { statementsOf } from "./sql-script.js";
import type { CompiledScript } from "./sql-script.js";
import { timestampTypeProblem } from "./timestamp-types.js";

/** A column of a data file and the DuckDB type it reads as (the registry's DataFileColumn). */
export type DataColumn = DataFileColumn;

/** The columns of each file source's data file, by source name; a source missing here had no file. */
export type DataFileColumns = ReadonlyMap<string, readonly DataColumn[]>;

/** One step of `fcompile run`: a file source loaded, or an SQL view built, as a table. */
export interface RunStep extends CompiledScript {
  kind: "file-source" | "sql-view";
  /** Name of the source or view. */
  name: string;
  /** The table the step builds, quoted. */
  relation: string;
  /** The table it builds under a new name before the swap, quoted (its columns are checked). */
  building: string;
  /** Unquoted [schema, table] of `relation`. */
  table: [string, string];
  /** `target/compiled/<dialect>/run/…` (named in errors). */
  file: string;
}

/**
 * What `run` executes, as the files `build` writes under `target/compiled/<dialect>/run/`: the
 * transaction's start, every step in order, the commit, and what follows the commit.
 */
export interface RunPlan {
  begin: CompiledScript;
  steps: RunStep[];
  commit: CompiledScript;
  /** Optimizations after the commit (VACUUM), when the dialect wants them. */
  after?: CompiledScript;
}

/**
 * Compiles what `run` executes: file sources loaded, then SQL views built in dependency order,
 * each under a new name and swapped in, in one transaction. A file source's table gets the
 * columns of `files` (its data file as DuckDB reads it) when known, with the declared types
 * (join keys, timestamps, features) winning; without the file, only the declared columns.
 * Throws FcUserError for a column the dialect cannot hold or a timestamp column that is a number.
 */
export function compileRunPlan(reg: Registry, t: CompileTarget, files: DataFileColumns = new Map()): RunPlan {
  const d = t.dialect;
  const steps: RunStep[] = [];
  const problems: Diagnostic[] = [];
  const swap = (table: string, views: FeatureView[]) => {
    const building = d.qualified([t.schema, `${table}__fc_new`]);
    return {
      building,
      relation: d.qualified([t.schema, table]),
      table: d.quote(table),
      indexes: d.wantsIndexes ? pitIndexes(views).map((ix) => pitIndexColumns(ix, (c) => d.quote(c))) : [],
      analyze: d.afterBuild.analyze,
    };
  };
  for (const src of reg.sources.values()) {
    if (src.kind !== "file") continue;
    const table = `source__${src.name}`;
    const views = viewsOfSource(reg, src.name);
    const s = swap(table, views);
    const cols = fileSourceColumns(reg, src, t, files.get(src.name), problems);
    const file = runFile(t, steps.length + 1, "source", src.name);
    const exportColumns = cols.exportColumns.join(", ");
    const text = d.render("run-file-source", {
      ...s,
      sourceName: src.name,
      projectPath: src.projectPath,
      format: src.format,
      read: d.fileRelation(src.format, src.projectPath),
      duckdbRead: DIALECTS.duckdb.fileRelation(src.format, src.projectPath),
      columns: cols.columns,
      columnsKnown: files.has(src.name),
      casts: cols.casts,
      copyColumns: cols.columns.map((c) => c.name).join(", "),
      exportColumns,
      pushed: src.push
        ? { relation: d.qualified(pushedTable(src, t)), dedupe: src.dedupeKey !== undefined ? d.quote(src.dedupeKey) : undefined }
        : undefined,
    });
    const stdin = d.loadsFiles === "copy" ? { path: src.path, projectPath: src.projectPath, format: src.format, exportColumns } : undefined;
    steps.push({
      kind: "file-source",
      name: src.name,
      relation: s.relation,
      building: s.building,
      table: [t.schema, table],
      file: `target/compiled/${d.name}/${file}`,
      path: file,
      statements: statementsOf(text, { creates: s.building, stdin }),
    });
  }
  if (problems.length > 0) throw new FcUserError(problems);
  for (const name of reg.sqlViewOrder) {
    const view = reg.views.get(name)!;
    const rows = sqlRowsOf(view)!;
    const table = `view__${name}`;
    const s = swap(table, [view]);
    const file = runFile(t, steps.length + 1, "view", name);
    const text = d.render("run-sql-view", { ...s, viewName: name, sqlFile: rows.sqlFile, sql: renderSqlViewBody(reg, rows, t) });
    steps.push({
      kind: "sql-view",
      name,
      relation: s.relation,
      building: s.building,
      table: [t.schema, table],
      file: `target/compiled/${d.name}/${file}`,
      path: file,
      statements: statementsOf(text, { creates: s.building }),
    });
  }
  const last = steps.length + 1;
  const begin = d.render("begin", {
    title: `fcompile run: file sources loaded and SQL views built into schema ${t.schema}`,
    lock: d.transactionLock?.(`fcompile:${t.schema}`),
    schema: d.quote(t.schema),
    watermarks: undefined,
  });
  const vacuum = d.afterBuild.vacuum ? steps.map((s) => s.relation) : [];
  return {
    begin: { path: "run/000_begin.sql", statements: statementsOf(begin) },
    steps,
    commit: { path: `run/${seq(last)}_commit.sql`, statements: statementsOf(d.render("commit", {})) },
    after:
      vacuum.length > 0
        ? { path: `run/${seq(last + 1)}_vacuum.sql`, statements: statementsOf(d.render("after", { vacuum }), { optional: true }) }
        : undefined,
  };
}

/** Every script of a run plan, in execution order. */
export function runScripts(plan: RunPlan): CompiledScript[] {
  return [plan.begin, ...plan.steps, plan.commit, ...(plan.after ? [plan.after] : [])];
}

/** The feature views whose rows a run step's table holds. */
export function viewsReading(reg: Registry, step: RunStep): FeatureView[] {
  return [...reg.views.values()].filter((v) => {
    const input = viewInput(v);
    switch (input.kind) {
      case "source":
        return step.kind === "file-source" && input.source === step.name;
      case "sql-view":
        return step.kind === "sql-view" && input.view === step.name;
      default:
        return unreachable(input);
    }
  });
}

function seq(n: number): string {
  return String(n).padStart(3, "0");
}

/** The path under `target/compiled/<dialect>/` of a run step's file. */
function runFile(_t: CompileTarget, n: number, kind: "source" | "view", name: string): string {
  return `run/${seq(n)}_${kind}__${name}.sql`;
}

/** A view's SELECT with `{{source}}` / `{{ref}}` replaced by relations, trailing `;` removed. */
export function renderSqlViewBody(reg: Registry, rows: SqlRows, t: CompileTarget): string {
  const { sql } = renderUserSql(rows.parts, (p) =>
    p.kind === "source" ? sourceRelation(reg.sources.get(p.name)!, t) : sqlViewRelation(reg.views.get(p.name) as SqlView, t),
  );
  const body = sql.replace(/[\s;]+$/, "");
  // A `--` comment on the last line would swallow the `;` that ends the statement.
  return body.slice(body.lastIndexOf("\n") + 1).includes("--") ? `${body}\n` : body;
}

/** A column with a declared type: a join key with a key type, a view timestamp, a feature. */
interface Declared {
  type: FeatureType;
  from: string;
  /** The view whose timestamp it is, for messages. */
  timestampOf?: FeatureView;
}

/** The declared types of a file source's columns, from every view that reads it (conflicts leave the column undeclared). */
function declaredColumns(reg: Registry, src: FileSource): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const conflicted = new Set<string>();
  const add = (col: string, d: Declared): void => {
    const prev = out.get(col);
    if (prev && prev.type !== d.type) conflicted.add(col);
    else if (!prev) out.set(col, d);
  };
  for (const v of viewsOfSource(reg, src.name)) {
    for (const k of v.joinKeys) {
      const type = v.keyTypes[k] ?? keyTypeFromEntities(reg, k);
      if (type) add(k, { type, from: `join key of ${v.entities.join(", ")}: ${type}` });
    }
    add(v.timestamp, { type: "timestamp", from: `timestamp of view ${v.name}`, timestampOf: v });
    if (v.createdTimestamp) add(v.createdTimestamp, { type: "timestamp", from: `created timestamp of view ${v.name}`, timestampOf: v });
    for (const f of v.features) add(f.name, { type: f.type, from: `feature of view ${v.name}: ${f.type}` });
  }
  for (const c of conflicted) out.delete(c);
  return out;
}

/** A join key's type as any entity declares or infers it (a file whose key column is empty says nothing). */
function keyTypeFromEntities(reg: Registry, key: string): FeatureType | undefined {
  for (const e of reg.entities.values()) {
    const t = e.keyTypes[key];
    if (t) return t;
  }
  return undefined;
}

/** The columns of a file source's table, the DuckDB casts of its declared ones, and its CSV export list. */
function fileSourceColumns(
  reg: Registry,
  src: FileSource,
  t: CompileTarget,
  file: readonly DataColumn[] | undefined,
  problems: Diagnostic[],
): { columns: FileSourceColumn[]; casts: string[]; exportColumns: string[] } {
  const d = t.dialect;
  const q = (c: string): string => d.quote(c);
  const declared = declaredColumns(reg, src);
  const duck = DIALECTS.duckdb;
  const columns: FileSourceColumn[] = [];
  const casts: string[] = [];
  const exportColumns: string[] = [];
  const present: readonly { name: string; duckdbType?: string }[] = file ?? [...declared.keys()].map((name) => ({ name }));
  for (const c of present) {
    const dec = declared.get(c.name);
    if (dec) {
      if (dec.timestampOf && c.duckdbType !== undefined) {
        const why = timestampTypeProblem(c.duckdbType);
        if (why) {
          problems.push({
            code: "FC003",
            severity: "error",
            message: `timestamp column '${c.name}' of view '${dec.timestampOf.name}' is ${c.duckdbType} in ${src.projectPath}: ${why}`,
            at: dec.timestampOf.at,
          });
        }
      }
      const cast = `CAST(${q(c.name)} AS ${duck.sqlType(dec.type)}) AS ${q(c.name)}`;
      columns.push({ name: q(c.name), type: d.sqlType(dec.type), from: dec.from });
      casts.push(cast);
      exportColumns.push(cast);
      continue;
    }
    if (c.duckdbType === undefined) continue;
    const mapped = d.fileColumnType(c.duckdbType);
    if ("unsupported" in mapped) {
      problems.push({
        code: "FC003",
        severity: "error",
        message:
          `column '${c.name}' of ${src.projectPath} (source '${src.name}') has DuckDB type ${c.duckdbType}, which ${d.name} cannot hold ` +
          `(${mapped.unsupported}); convert or drop the column in the file, or declare it as a feature with a type`,
        at: src.at,
      });
      continue;
    }
    columns.push({ name: q(c.name), type: mapped.sqlType, from: `file: ${c.duckdbType}` });
    exportColumns.push(mapped.exportAs ? `${mapped.exportAs.replaceAll("$", q(c.name))} AS ${q(c.name)}` : q(c.name));
  }
  return { columns, casts, exportColumns };
}
