import type { FeatureView, Registry, SqlView } from "../registry/types.js";
import { renderUserSql } from "../registry/user-sql.js";
import type { CompileTarget } from "./relations.js";
import { sourceRelation, sqlViewRelation } from "./relations.js";

/** One statement of `fcompile run`, in execution order. */
export interface RunStep {
  kind: "file-source" | "sql-view";
  /** Name of the source or view. */
  name: string;
  /** The relation the step creates. */
  relation: string;
  /** Unquoted [schema, table] of that relation, for checks after creation. */
  table: [string, string];
  sql: string;
  /** For SQL views: the SELECT alone, for warehouses that build under another name first. */
  select?: string;
  /** Where `build` writes this step, e.g. `target/compiled/duckdb/run/002_view__x.sql` (named in errors). */
  file: string;
}

/** Compiles what `run` executes: file sources loaded, then SQL views built in dependency order. */
export function compileRunPlan(reg: Registry, t: CompileTarget): RunStep[] {
  const steps: RunStep[] = [];
  for (const src of reg.sources.values()) {
    if (src.kind !== "file") continue;
    const relation = sourceRelation(src, t);
    steps.push({
      kind: "file-source",
      name: src.name,
      relation,
      table: [t.schema, `source__${src.name}`],
      file: runFile(t, steps.length, "source", src.name),
      sql: t.dialect.render("run-file-source", {
        sourceName: src.name,
        projectPath: src.projectPath,
        relation,
        read: t.dialect.fileRelation(src.format, src.projectPath),
      }),
    });
  }
  for (const name of reg.sqlViewOrder) {
    const view = reg.views.get(name) as SqlView;
    const relation = sqlViewRelation(view, t);
    const select = renderSqlViewBody(reg, view, t);
    steps.push({
      kind: "sql-view",
      name,
      relation,
      table: [t.schema, `view__${name}`],
      file: runFile(t, steps.length, "view", name),
      sql: t.dialect.render("run-sql-view", {
        viewName: name,
        sqlFile: view.sqlFile,
        relation,
        sql: select,
      }),
      select,
    });
  }
  return steps;
}

/** The feature views whose rows a run step's table holds. */
export function viewsReading(reg: Registry, step: RunStep): FeatureView[] {
  return [...reg.views.values()].filter((v) =>
    step.kind === "sql-view" ? v.kind === "sql" && v.name === step.name : v.kind === "plain" && v.source === step.name,
  );
}

/** The path under the project of a run step's compiled file. */
function runFile(t: CompileTarget, index: number, kind: "source" | "view", name: string): string {
  return `target/compiled/${t.dialect.name}/run/${String(index + 1).padStart(3, "0")}_${kind}__${name}.sql`;
}

/** The view's SELECT with `{{source}}` / `{{ref}}` replaced by relations, trailing `;` removed. */
export function renderSqlViewBody(reg: Registry, view: SqlView, t: CompileTarget): string {
  const { sql } = renderUserSql(view.parts, (p) =>
    p.kind === "source" ? sourceRelation(reg.sources.get(p.name)!, t) : sqlViewRelation(reg.views.get(p.name) as SqlView, t),
  );
  return sql.replace(/[\s;]+$/, "");
}
