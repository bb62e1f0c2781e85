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

/** Formats as `path:line:col: error FCnnn: message`. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.at.file}:${d.at.line}:${d.at.col}: ${d.severity} ${d.code}: ${d.message}`;
}

/** Sorts diagnostics by file, line, column so output is stable. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
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

  error(code: DiagnosticCode, message: string, at: SourceLocation): void {
    this.items.push({ code, severity: "error", message, at });
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

/** A user error about the command line or a runtime input, not tied to a project file. */
export function userError(code: DiagnosticCode, message: string, file = "<command line>"): FcUserError {
  return new FcUserError([{ code, severity: "error", message, at: { file, line: 1, col: 1 } }]);
}
