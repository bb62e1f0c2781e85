import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerBuild } from "./build-command.js";
import { registerClean } from "./clean-command.js";
import { registerDocs } from "./docs-command.js";
import { registerGet } from "./get-command.js";
import { registerInit } from "./init-command.js";
import { registerLint } from "./lint-command.js";
import { registerLoad } from "./load-command.js";
import { registerLs } from "./ls-command.js";
import { registerMaterialize } from "./materialize-command.js";
import { registerMonitor } from "./monitor-command.js";
import { registerPlan } from "./plan-command.js";
import { registerProfile } from "./profile-command.js";
import { registerPush } from "./push-command.js";
import { registerRun } from "./run-command.js";
import { registerServe } from "./serve-command.js";
import { registerStatus } from "./status-command.js";
import { registerTest } from "./test-command.js";
import { registerTrain } from "./train-command.js";
import { registerVerify } from "./verify-command.js";
import { usageHint } from "./output.js";

/** Entry point of `fcompile`: wires the commands; each command file imports its drivers lazily. */
export async function main(argv: string[]): Promise<void> {
  // `fcompile get … | head`: a reader that stops early is not an error.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  const program = new Command("fcompile")
    .description("A feature store built as a compiler: YAML + SQL feature definitions → point-in-time correct warehouse SQL.")
    .version(VERSION)
    .showHelpAfterError(`(${usageHint("")})`)
    .exitOverride();
  registerInit(program);
  registerBuild(program);
  registerLint(program);
  registerRun(program);
  registerTrain(program);
  registerMaterialize(program);
  registerLoad(program);
  registerGet(program);
  registerVerify(program);
  registerPush(program);
  registerServe(program);
  registerStatus(program);
  registerPlan(program);
  registerLs(program);
  registerClean(program);
  registerTest(program);
  registerProfile(program);
  registerMonitor(program);
  registerDocs(program);
  // A usage error commander finds (an unknown option, a missing required option or argument) names the command's help.
  for (const cmd of program.commands) cmd.showHelpAfterError(`(${usageHint(cmd.name())})`);
  program.addHelpText(
    "after",
    `
Typical session:
  fcompile build                 validate and compile (no database needed)
  fcompile lint                  naming, duplicates, leakage, documentation (--strict in CI)
  fcompile run                   load file sources, build SQL views in the warehouse
  fcompile train --service churn_model --entities labels.csv --out train.parquet
  fcompile materialize --end 2025-06-01   latest values per entity, for the online store
  fcompile load                  push them into the online store (or: materialize --load)
  fcompile get --service churn_model --entity customer_id=1001
  fcompile push --source orders --file new_orders.csv   fresh events, online at once
  fcompile status                what is materialized, what is loaded, what is stale
  fcompile plan --against deployed/manifest.json   what a change breaks, what must be backfilled
  fcompile ls features --owner growth-team   what the project holds, by owner and tag
  fcompile monitor --training train.parquet --served served.ndjson   training/serving skew
  fcompile docs                  a browsable catalog in target/docs/ (--serve to serve it)
  fcompile clean                 what the project created in the warehouse and online store (--yes removes it)`,
  );
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    throw err;
  }
}
