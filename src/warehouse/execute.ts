import { ROW_COUNT_COLUMN } from "../compile/materialize.js";
import type { RunPlan, RunStep } from "../compile/run-plan.js";
import type { CompiledScript, Statement, StdinData } from "../compile/sql-script.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ColumnInfo, ExecutedStatement, MaterializePlan, MaterializeStep } from "./warehouse.js";
import { WarehouseError } from "./warehouse.js";

/**
 * What a runner needs from its engine to execute compiled scripts. Each warehouse implements it
 * on its connection; the scripts themselves are executed here, the same way on every engine.
 */
export interface StatementEngine {
  /** Executes one statement; returns its result rows (as objects). `what` names it in errors. */
  execute(sql: string, what: string): Promise<Record<string, unknown>[]>;
  /** Streams a data file into a `COPY … FROM STDIN` statement (engines whose dialect loads files with COPY). */
  copyIn(sql: string, data: StdinData, what: string): Promise<void>;
  /** Sets a run-time parameter (Dialect.parameter) for the rest of the transaction. */
  setParameter(name: string, value: string): Promise<void>;
  describe(relationSql: string): Promise<ColumnInfo[]>;
  /** Rolls back the open transaction, ignoring errors. */
  rollback(): Promise<void>;
  /** Receives everything sent (Warehouse.onStatement). */
  onStatement?: (s: ExecutedStatement) => void;
}

async function runStatement(engine: StatementEngine, s: Statement, file: string, what: string): Promise<Record<string, unknown>[]> {
  if (s.stdin) {
    engine.onStatement?.({ kind: "stream", sql: s.sql, file, data: s.stdin.projectPath });
    await engine.copyIn(s.sql, s.stdin, what);
    return [];
  }
  engine.onStatement?.({ kind: "statement", sql: s.sql, file });
  try {
    return await engine.execute(s.sql, what);
  } catch (err) {
    if (s.optional) return [];
    throw err;
  }
}

async function runScript(engine: StatementEngine, script: CompiledScript, file: string, what: string): Promise<void> {
  for (const s of script.statements) await runStatement(engine, s, file, what);
}

/** Executes a run plan in one transaction (the plan's begin and commit files); rolls back on any failure. */
export async function executeRunPlan(
  engine: StatementEngine,
  plan: RunPlan,
  dialect: string,
  check: (step: RunStep, columns: ColumnInfo[]) => Diagnostic[],
  progress?: (step: RunStep, i: number) => void,
): Promise<void> {
  const file = (s: CompiledScript): string => `target/compiled/${dialect}/${s.path}`;
  try {
    await runScript(engine, plan.begin, file(plan.begin), "starting the run");
    for (const [i, step] of plan.steps.entries()) {
      progress?.(step, i);
      const what = `${step.kind === "file-source" ? "loading source" : "building view"} '${step.name}' (${step.file})`;
      for (const s of step.statements) {
        await runStatement(engine, s, step.file, what);
        if (!s.creates) continue;
        const problems = check(step, await engine.describe(s.creates));
        if (problems.length > 0) {
          throw new FcUserError(problems.map((p) => ({ ...p, message: p.message.replaceAll(step.building, step.relation) })));
        }
      }
    }
    await runScript(engine, plan.commit, file(plan.commit), "committing the run");
  } catch (err) {
    await engine.rollback();
    throw err;
  }
  if (plan.after) await runScript(engine, plan.after, file(plan.after), "after the run");
}

/** Executes a materialize plan in one transaction; returns each view's row count (its watermark upsert returns it). */
export async function executeMaterializePlan(
  engine: StatementEngine,
  plan: MaterializePlan,
  dialect: string,
  progress?: (step: MaterializeStep, i: number) => void,
): Promise<number[]> {
  const file = (s: CompiledScript): string => `target/compiled/${dialect}/${s.path}`;
  const counts: number[] = [];
  try {
    await runScript(engine, plan.begin, file(plan.begin), "starting the materialization");
    for (const [i, step] of plan.views.entries()) {
      progress?.(step, i);
      for (const [name, value] of Object.entries(step.params)) {
        if (value === undefined) continue;
        engine.onStatement?.({ kind: "parameter", name, value });
        await engine.setParameter(name, value);
      }
      let count: number | undefined;
      for (const s of step.script.statements) {
        const rows = await runStatement(engine, s, step.file, `materializing '${step.view}' (${step.file})`);
        if (rows[0] && ROW_COUNT_COLUMN in rows[0]) count = Number(rows[0][ROW_COUNT_COLUMN]);
      }
      if (count === undefined) throw new WarehouseError(`${step.file} returned no ${ROW_COUNT_COLUMN}: its watermark statement is missing`);
      counts.push(count);
    }
    await runScript(engine, plan.commit, file(plan.commit), "committing the materialization");
  } catch (err) {
    await engine.rollback();
    throw err;
  }
  return counts;
}
