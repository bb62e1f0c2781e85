import { FcUsageError, FcUserError, formatDiagnostic, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { OnlineError } from "../online/store-reader.js";
import { LoadLockedError } from "../online/online-writer.js";
import { WarehouseError } from "../warehouse/warehouse.js";

/**
 * Prints diagnostics and a count line to stderr. `after` ends the count line, e.g. what the
 * failure left (build: "target/ is unchanged").
 */
export function printDiagnostics(ds: readonly Diagnostic[], after = ""): void {
  for (const d of sortDiagnostics(ds)) process.stderr.write(formatDiagnostic(d) + "\n");
  const errors = ds.filter((d) => d.severity === "error").length;
  if (errors > 0) process.stderr.write(`${errors} error${errors === 1 ? "" : "s"}${after ? `; ${after}` : ""}.\n`);
}

/** What a usage error of `command` ends with: where to read how the command is used ("" for fcompile itself). */
export function usageHint(command: string): string {
  return `see 'fcompile ${command ? `${command} ` : ""}--help'`;
}

/**
 * Runs the body of `fcompile <command>` and maps failures to the exit codes of README "Commands":
 * 1 for the user's project, input or data; 2 for usage errors (FcUsageError, printed with
 * `see 'fcompile <command> --help'`) and internal failures.
 */
export async function runCommand(command: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof FcUsageError) {
      printDiagnostics(err.diagnostics, usageHint(command));
      process.exitCode = 2;
    } else if (err instanceof FcUserError) {
      printDiagnostics(err.diagnostics);
      process.exitCode = 1;
    } else if (err instanceof WarehouseError || err instanceof LoadLockedError) {
      process.stderr.write(`error FC016: ${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof OnlineError) {
      process.stderr.write(`error ${err.code === "BAD_REQUEST" ? "FC015" : "FC016"}: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `internal error: ${(err as Error).stack ?? String(err)}\nThis is a bug in fcompile; please report it with the command you ran.\n`,
      );
      process.exitCode = 2;
    }
  }
}

/** A one-line progress display on a terminal; silent when stderr is not a TTY. */
export function progressLine(): { update(text: string): void; done(): void } {
  const tty = process.stderr.isTTY;
  return {
    update(text) {
      if (tty) process.stderr.write(`\r\x1b[2K${text}`);
    },
    done() {
      if (tty) process.stderr.write("\r\x1b[2K");
    },
  };
}
