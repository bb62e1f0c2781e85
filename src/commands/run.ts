import type { RunStep } from "../compile/run-plan.js";
import { compileRunPlan, viewsReading } from "../compile/run-plan.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { compileTargetFor, loadProject, missingColumns, openWarehouse } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** `fcompile run`: loads file sources and builds SQL views, all or nothing. */
export async function run(
  opts: ProjectOptions & { onStep?: (step: RunStep, i: number, total: number) => void },
): Promise<{ steps: number }> {
  const { config, registry } = await loadProject(opts.projectDir, { requireDataFiles: true });
  const { target, ct } = compileTargetFor(config, opts.target);
  const steps = compileRunPlan(registry, ct);
  const wh = await openWarehouse(target, config.dir, registry);
  try {
    const check = (step: RunStep, columns: string[]): Diagnostic[] =>
      viewsReading(registry, step).flatMap((v) => missingColumns(v, step.relation, columns));
    await wh.run(steps, check, (s, i) => opts.onStep?.(s, i, steps.length));
  } finally {
    await wh.close();
  }
  return { steps: steps.length };
}
