import type { Command } from "commander";
import { plural } from "../diagnostics/plural.js";
import { toJson } from "../client/json.js";
import { integerOption, withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { runCommand } from "./output.js";

interface VerifyFlags extends CommonOptions {
  end: string;
  sample: string;
  service?: string;
  seed: string;
}

export function registerVerify(program: Command): void {
  withProjectOptions(program.command("verify"))
    .description("check online against offline: training rows at T = end vs online reads as of end, for a sample of entities")
    .requiredOption("--end <ts>", "the end time the online store was materialized to")
    .option("--sample <n>", "entities to check (per set of join keys)", "100")
    .option("--service <name>", "only this service's features (default: every feature of every view)")
    .option("--seed <n>", "seed of the sample (the same seed checks the same entities)", "1")
    .addHelpText(
      "after",
      `
Run after 'fcompile materialize --end TS' and 'fcompile load'. Prints every mismatch (entity, feature,
training value, online value and status) and exits 1 if there is any; the expected count is zero.
For mismatching views over a push source, 'hint:' lines name the causes pushes can have: events
pushed with --to online (training cannot see them), and late events (in the warehouse, not online).
Aggregation views are also read at later times (a minute, half and whole of their shortest and
longest windows after the end), against training at those times over the events before the end;
a plain view over a push source with events pushed after the end is read at the newest of them.

Example:
  fcompile verify --end 2025-06-01 --sample 500`,
    )
    .action((opts: VerifyFlags) =>
      runCommand("verify", async () => {
        const r = await (
          await import("../commands/verify.js")
        ).verify({
          projectDir: opts.project,
          target: opts.target,
          end: opts.end,
          sample: integerOption("--sample", opts.sample, 1, 10_000_000),
          service: opts.service,
          seed: integerOption("--seed", opts.seed, 0, Number.MAX_SAFE_INTEGER),
        });
        for (const m of r.mismatches.slice(0, 50)) {
          process.stdout.write(
            `mismatch: ${toJson(m.entity)} ${m.feature}${m.at ? ` at ${m.at}` : ""}: training ${toJson(m.training)}, online ${toJson(m.online)} (${m.status})\n`,
          );
        }
        if (r.mismatches.length > 50) process.stdout.write(`… and ${r.mismatches.length - 50} more\n`);
        for (const h of r.hints) process.stdout.write(`hint: ${h}\n`);
        const statuses = ["PRESENT", "NULL_VALUE", "NOT_FOUND", "OUTSIDE_MAX_AGE", "BEFORE_STATE"]
          .filter((k) => r.statuses[k])
          .map((k) => [k, r.statuses[k]])
          .map(([k, n]) => `${n} ${k}`)
          .join(", ");
        const times = r.laterReads > 0 ? ` at the end and ${plural(r.laterReads, "later read time")} (aggregation views)` : " at the end";
        const line =
          `${plural(r.compared, "value")} of ${plural(r.entities, "entity", "entities")} compared${times} (${statuses}), ` +
          plural(r.mismatches.length, "mismatch", "mismatches");
        if (r.mismatches.length > 0) {
          process.stdout.write(`verify FAILED: ${line}\n`);
          process.exitCode = 1;
        } else process.stdout.write(`verify ok: ${line}\n`);
      }),
    );
}
