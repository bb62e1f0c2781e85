/**
 * Locates a word of a YAML scalar (an aggregation's `filter:`) in its file: the `n`-th
 * occurrence, as a whole word and in any case, from where the scalar starts. Exact for every
 * scalar style (plain, quoted, block), since a word is never split or escaped.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { SourceLocation } from "../../diagnostics/diagnostic.js";
import { locationInText } from "../../project/yaml-file.js";

/** Project files read so far (a lint run reads each once). */
export class FileTexts {
  private readonly texts = new Map<string, string | undefined>();
  constructor(private readonly projectDir: string) {}

  text(file: string): string | undefined {
    if (!this.texts.has(file)) {
      let t: string | undefined;
      try {
        t = readFileSync(path.join(this.projectDir, file), "utf8");
      } catch {
        t = undefined;
      }
      this.texts.set(file, t);
    }
    return this.texts.get(file);
  }

  /** Where the `n`-th (0-based) whole-word `word` at or after `from` is; `from` itself when it is not found. */
  locateWord(from: SourceLocation, word: string, n: number): SourceLocation {
    const text = this.text(from.file);
    if (text === undefined) return from;
    let offset = offsetOf(text, from);
    const re = new RegExp(`(?<![A-Za-z0-9_$])${word.replace(/[^A-Za-z0-9_]/g, "\\$&")}(?![A-Za-z0-9_$])`, "gi");
    re.lastIndex = offset;
    for (let i = 0; i <= n; i++) {
      const m = re.exec(text);
      if (!m) return from;
      offset = m.index;
    }
    return locationInText(text, offset, from.file);
  }
}

/** The offset of a 1-based line and column in `text`. */
function offsetOf(text: string, at: SourceLocation): number {
  let offset = 0;
  for (let line = 1; line < at.line; line++) {
    const nl = text.indexOf("\n", offset);
    if (nl < 0) return text.length;
    offset = nl + 1;
  }
  return offset + at.col - 1;
}
