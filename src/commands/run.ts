import type { RunStep } from "../compile/run-plan.js";
import { compileRunPlan, viewsReading } from "../compile/run-plan.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ColumnInfo, ExecutedStatement } from "../warehouse/warehouse.js";
import { checkColumns, compileTargetFor, dataFileColumns, loadProject, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** Options of `run`. */
export interface RunOptions extends ProjectOptions {
  onStep?: (step: RunStep, i: number, total: number) => void;
  /** Receives every statement sent to the warehouse (for tracing and tests). */
  onStatement?: (s: ExecutedStatement) => void;
}

/**
 * `fcompile run`: loads file sources and builds SQL views, all or nothing. Executes the statements
 * `build` writes under `target/compiled/<dialect>/run/`, compiled again here with the data files'
 * columns as they are now (so a file that changed since `build` is loaded as it is).
 */
export async function run(opts: RunOptions): Promise<{ steps: number }> {
  const { config, registry } = await loadProject(opts.projectDir, { requireDataFiles: true });
  const { target, ct } = compileTargetFor(config, opts.target);
  const plan = compileRunPlan(registry, ct, dataFileColumns(registry));
  const wh = await openWarehouse(target, config.dir, registry);
  wh.onStatement = opts.onStatement;
  try {
    const check = (step: RunStep, columns: ColumnInfo[]): Diagnostic[] =>
      viewsReading(registry, step).flatMap((v) => checkColumns(v, step.building, columns));
    await wh.run(plan, check, (s, i) => opts.onStep?.(s, i, plan.steps.length));
  } finally {
    await wh.close();
  }
  return { steps: plan.steps.length };
}
