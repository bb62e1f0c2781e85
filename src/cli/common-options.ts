import type { Command } from "commander";
import { usageError } from "../diagnostics/diagnostic.js";

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

/** An integer option (`--port 6566`) from `min` to `max`; anything else is a usage error naming the option and the range. */
export function integerOption(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max)
    throw usageError(`${name} must be an integer from ${min} to ${max} (got '${text}')`);
  return n;
}
