import type { DiagnosticCode } from "./codes.js";

/** A position in a project file; line and col are 1-based. */
export interface SourceLocation {
  /** Path relative to the project folder, with forward slashes. */
  file: string;
  line: number;
  col: number;
}

/** One problem found in a project: data, never thrown on its own. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: "error" | "warning";
  message: string;
  at: SourceLocation;
}

/** Formats as `path:line:col: error FCnnn: message` (or `warning FCnnn`). */
export function formatDiagnostic(d: Diagnostic): string {
  // A problem with no place in a file (a store that refused a load, a warehouse error) has no location.
  if (d.at.file === "") return `${d.severity} ${d.code}: ${d.message}`;
  return `${d.at.file}:${d.at.line}:${d.at.col}: ${d.severity} ${d.code}: ${d.message}`;
}

/**
 * Sorts diagnostics by file, line, column so output is stable, and drops exact repeats (a problem
 * inside a YAML anchor merged into several objects is reported once, at the anchor).
 */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const unique = ds.filter((d) => {
    const k = formatDiagnostic(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort(
    (a, b) =>
      (a.at.file < b.at.file ? -1 : a.at.file > b.at.file ? 1 : 0) ||
      a.at.line - b.at.line ||
      a.at.col - b.at.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

/** Collects diagnostics during one pass so every problem is reported in one run. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  /** Records an error: the command fails (exit 1) and `build` writes nothing. */
  error(code: DiagnosticCode, message: string, at: SourceLocation): void {
    this.items.push({ code, severity: "error", message, at });
  }

  /** Records a warning: printed, but the command goes on (e.g. a data file `build` does not need yet). */
  warning(code: DiagnosticCode, message: string, at: SourceLocation): void {
    this.items.push({ code, severity: "warning", message, at });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

/**
 * Thrown when the user's input is wrong (exit code 1). Carries the diagnostics to print;
 * the CLI prints them and the next step to take.
 */
export class FcUserError extends Error {
  constructor(
    readonly diagnostics: Diagnostic[],
    message = diagnostics.map(formatDiagnostic).join("\n"),
  ) {
    super(message);
    this.name = "FcUserError";
  }
}

/**
 * A usage error: the command line itself is wrong, whatever the project — an option value of the
 * wrong form or out of range, a missing option, options that do not go together. The CLI prints
 * it with the command's help to read and exits 2 (README, "Commands"); code FC015, at
 * `<command line>:1:1`. Errors that depend on the project or on files (an unknown service, a file
 * that is not there) are plain FcUserErrors (exit 1).
 */
export class FcUsageError extends FcUserError {
  constructor(message: string) {
    super([{ code: "FC015", severity: "error", message, at: { file: "<command line>", line: 1, col: 1 } }]);
    this.name = "FcUsageError";
  }
}

/** A usage error (FcUsageError, exit 2) saying what is wrong with the command line and what to give instead. */
export function usageError(message: string): FcUsageError {
  return new FcUsageError(message);
}

/**
 * A user error not tied to a line of a project file: about the command line (FC015, shown at
 * `<command line>:1:1`), or found at run time (shown without a location), unless `file` is given.
 */
export function userError(code: DiagnosticCode, message: string, file = code === "FC015" ? "<command line>" : ""): FcUserError {
  return new FcUserError([{ code, severity: "error", message, at: { file, line: 1, col: 1 } }]);
}
