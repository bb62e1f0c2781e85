import type { Command } from "commander";
import { formatPlan } from "../governance/plan/format-plan.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { printDiagnostics, runCommand } from "./output.js";

interface PlanFlags extends CommonOptions {
  against?: string;
  allowBreaking?: boolean;
  json?: boolean;
}

export function registerPlan(program: Command): void {
  withProjectOptions(program.command("plan"))
    .description(
      "what the project changes against the manifest of the deployed build: breaking, backfill, non-breaking, documentation-only",
    )
    .option("--against <manifest>", "manifest.json of the deployed build (default: <project>/target/manifest.json)")
    .option("--allow-breaking", "exit 0 even when a change is breaking")
    .option("--json", "print the plan as JSON (for CI comments)")
    .addHelpText(
      "after",
      `
The project is compiled in memory, as 'build' does (target/ is not written), and its manifest is
compared with --against. Classes (an object can be in several):
  BREAKING            a removed or retyped feature a service serves (in the deployed manifest), a
                      feature a service no longer serves, a removed service, a changed entity, join
                      key or key type (of an entity or a view), a changed window, function, column or
                      filter of an aggregation, a changed ttl of a served view
  BACKFILL            views whose materialization must be rebuilt (materialization hash changed, or new)
  NON-BREAKING        anything else added, removed or changed
  DOCUMENTATION-ONLY  description, owner, tags, tests, drift, freshness

Exit code: 0, or 1 when a change is breaking (unless --allow-breaking), when the project does not
build, or when the manifest is missing or is not one.

Examples:
  cp target/manifest.json deployed.json   # after a deploy
  fcompile plan --against deployed.json
  fcompile plan --against deployed.json --json > plan.json
  fcompile plan --against deployed.json --allow-breaking`,
    )
    .action((opts: PlanFlags) =>
      runCommand("plan", async () => {
        const r = await (
          await import("../commands/plan.js")
        ).plan({ projectDir: opts.project, target: opts.target, against: opts.against });
        printDiagnostics(r.diagnostics);
        const { diagnostics: _d, ...shown } = r;
        process.stdout.write(
          opts.json ? `${JSON.stringify(shown, null, 2)}\n` : formatPlan(r.against, r.items, opts.allowBreaking === true),
        );
        if (r.summary.breaking > 0 && !opts.allowBreaking) process.exitCode = 1;
      }),
    );
}
