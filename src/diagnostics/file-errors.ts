/**
 * Errors about a file the user gave (a served-feature log, a manifest, a training set): shown as
 * `path:line:col: error FCnnn: message` (src/diagnostics/diagnostic.ts), at the place in the file
 * when it is known, else at 1:1.
 */
import { parse as losslessParse } from "lossless-json";
import { FcUserError } from "./diagnostic.js";
import type { DiagnosticCode } from "./codes.js";

/** A user error (exit 1) at `file:line:col` (1-based; 1:1 when the place is not known). */
export function fileError(code: DiagnosticCode, message: string, file: string, line = 1, col = 1): FcUserError {
  return new FcUserError([{ code, severity: "error", message, at: { file, line, col } }]);
}

/** The 1-based line and column of the 0-based character offset `offset` of `text`. */
export function lineColOf(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const nl = before.lastIndexOf("\n");
  return { line: before.split("\n").length, col: before.length - nl };
}

/**
 * Where in `text` a JSON parse error is, and why (the parser's message without its position), for
 * text that `JSON.parse` refused with `err`. The position comes from the message ("at position N",
 * "line L column C") or, when it has none, from a second, positional parse; 1:1 when neither says.
 */
export function jsonErrorAt(text: string, err: unknown): { line: number; col: number; reason: string } {
  const message = (err as Error).message;
  const lc = /\(?line (\d+) column (\d+)\)?/.exec(message);
  if (lc) return { line: Number(lc[1]), col: Number(lc[2]), reason: clean(message.replace(lc[0], "")) };
  const pos = /\s*(?:in JSON )?at position (\d+)/.exec(message);
  if (pos) return { ...lineColOf(text, Number(pos[1])), reason: clean(message.replace(pos[0], "")) };
  try {
    losslessParse(text);
  } catch (again) {
    const m = /\s*at position (\d+)/.exec((again as Error).message);
    if (m) return { ...lineColOf(text, Number(m[1])), reason: clean((again as Error).message.replace(m[0], "")) };
  }
  return { line: 1, col: 1, reason: clean(message) };
}

function clean(s: string): string {
  return (
    s
      .replace(/\s+/g, " ")
      .trim()
      .replace(/[,;:]$/, "") || "not valid JSON"
  );
}
