import { Command, CommanderError } from "commander";
import { VERSION } from "../version.js";
import { registerBuild } from "./build-command.js";
import { registerInit } from "./init-command.js";
import { registerMaterialize } from "./materialize-command.js";
import { registerRun } from "./run-command.js";
import { registerTrain } from "./train-command.js";

/** Entry point of `fcompile`: wires the commands; each command file imports its drivers lazily. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command("fcompile")
    .description("A feature store built as a compiler: YAML + SQL feature definitions → point-in-time correct warehouse SQL.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerInit(program);
  registerBuild(program);
  registerRun(program);
  registerTrain(program);
  registerMaterialize(program);
  program.addHelpText(
    "after",
    `
Typical session:
  fcompile build                 validate and compile (no database needed)
  fcompile run                   load file sources, build SQL views in the warehouse
  fcompile train --service churn_model --entities labels.csv --out train.parquet
  fcompile materialize --end 2025-06-01   latest values per entity, for the online store`,
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
