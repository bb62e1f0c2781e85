import type { Command } from "commander";

/** Options every project command takes. */
export interface CommonOptions {
  project: string;
  target?: string;
}

/** Adds --project and --target to a command. */
export function withProjectOptions(cmd: Command): Command {
  return cmd
    .option("-p, --project <dir>", "project folder (holds fcompile.yaml)", ".")
    .option("-t, --target <name>", "warehouse target from fcompile.yaml (default: the project's 'target')");
}
