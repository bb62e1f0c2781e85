/**
 * Leakage rules (docs/governance.md, "lint"): SQL that reads the wall clock (FC107: a feature
 * then depends on when it was computed, so training and serving see different values) in SQL
 * views and aggregation SQL (a filter that does is already an error of build, FC008); window frames that read FOLLOWING rows (FC108: the future);
 * a feature computed from a column its source declares in `labels:` (FC109). Each at the word.
 */
import type { SourceLocation } from "../../diagnostics/diagnostic.js";
import { locationInText } from "../../project/yaml-file.js";
import type { FeatureView, Registry, SqlRows } from "../../registry/types.js";
import { sqlRowsOf } from "../../registry/types.js";
import type { FileTexts } from "./locate-word.js";
import type { LintFinding } from "./rules.js";
import { selectShape } from "./select-outputs.js";
import { sqlWords } from "./sql-words.js";
import type { SqlWord } from "./sql-words.js";

/** Words that read the clock wherever they are written (SQL keywords, with or without parentheses). */
const CLOCK_KEYWORDS = new Set([
  "current_date",
  "current_time",
  "current_timestamp",
  "localtime",
  "localtimestamp",
  "sysdate",
  "systimestamp",
]);
/** Functions that read the clock when called. */
const CLOCK_FUNCTIONS = new Set([
  "now",
  "today",
  "get_current_timestamp",
  "get_current_time",
  "current_localtimestamp",
  "transaction_timestamp",
  "statement_timestamp",
  "clock_timestamp",
  "timeofday",
  "getdate",
  "unix_timestamp",
]);

function readsClock(w: SqlWord): boolean {
  return CLOCK_KEYWORDS.has(w.word) || (w.call && CLOCK_FUNCTIONS.has(w.word));
}

/** The leakage findings of a registry; `files` locates words of filters in their YAML. */
export function leakageFindings(reg: Registry, files: FileTexts): LintFinding[] {
  const out: LintFinding[] = [];
  for (const view of reg.views.values()) {
    const rows = sqlRowsOf(view);
    if (rows) scanSql(view, rows, out);
  }
  out.push(...labelFindings(reg, files));
  return out;
}

/** Wall-clock words and FOLLOWING frames in a view's SQL, at the word in the .sql file. */
function scanSql(view: FeatureView, rows: SqlRows, out: LintFinding[]): void {
  const at = (offset: number): SourceLocation => locationInText(rows.sqlText, offset, rows.sqlFile);
  for (const w of sqlWords(rows.sqlText)) {
    if (readsClock(w))
      out.push({
        rule: "wall_clock",
        message: `the SQL of view '${view.name}' reads the wall clock (${w.word}): its values would depend on when it runs, so training and serving differ; use the rows' event time instead`,
        at: at(w.offset),
      });
    else if (w.word === "following")
      out.push({
        rule: "following_frame",
        message: `the SQL of view '${view.name}' has a window frame reading FOLLOWING rows: a row's value would see later events (leakage); end the frame at CURRENT ROW or PRECEDING`,
        at: at(w.offset),
      });
  }
}

/** Features computed from a label column of their source (`labels:`). */
function labelFindings(reg: Registry, files: FileTexts): LintFinding[] {
  const out: LintFinding[] = [];
  const labelsOf = (source: string): Set<string> => new Set((reg.sources.get(source)?.labels ?? []).map((l) => l.toLowerCase()));
  const leak = (feature: string, view: string, label: string, source: string, at: SourceLocation): void =>
    void out.push({
      rule: "label_leak",
      message: `feature '${view}:${feature}' is computed from '${label}', a label of source '${source}' (known only after the event): drop it, or remove '${label}' from the source's labels if it is not one`,
      at,
    });
  for (const view of reg.views.values()) {
    if (view.kind === "plain") {
      const labels = labelsOf(view.source);
      for (const f of view.features) if (labels.has(f.name.toLowerCase())) leak(f.name, view.name, f.name, view.source, f.at);
    } else if (view.kind === "aggregation" && view.events.kind === "source") {
      const source = view.events.source;
      const labels = labelsOf(source);
      for (const f of view.features) {
        const a = f.aggregation;
        if (a.column !== undefined && labels.has(a.column.toLowerCase())) leak(f.name, view.name, a.column, source, a.columnAt ?? f.at);
        if (a.filter !== undefined && a.filterAt !== undefined) {
          const seen = new Map<string, number>();
          for (const w of sqlWords(a.filter)) {
            const n = seen.get(w.word) ?? 0;
            seen.set(w.word, n + 1);
            if (labels.has(w.word)) leak(f.name, view.name, w.word, source, files.locateWord(a.filterAt, w.word, n));
          }
        }
      }
    } else {
      const rows = sqlRowsOf(view)!;
      const sources = rows.parts.flatMap((p) => (typeof p !== "string" && p.kind === "source" ? [p.name] : []));
      const labelSource = new Map<string, string>();
      for (const s of sources) for (const l of labelsOf(s)) labelSource.set(l, s);
      if (labelSource.size === 0) continue;
      const words = sqlWords(rows.sqlText);
      // Parsed only when the SQL names a label at all.
      if (!words.some((w) => labelSource.has(w.word))) continue;
      const shape = selectShape(rows.parts);
      if (!shape) continue;
      // The outputs the view's features come from: the features (SQL views), the aggregated columns (aggregation views).
      const used =
        view.kind === "sql"
          ? view.features.map((f) => [f.name, f.name] as const)
          : view.features.flatMap((f) => (f.aggregation.column !== undefined ? [[f.name, f.aggregation.column] as const] : []));
      for (const [feature, column] of used) {
        const output = shape.outputs.get(column.toLowerCase());
        const label = output && [...output.reads].find((c) => labelSource.has(c));
        if (label === undefined) continue;
        const word = words.find((w) => w.word === label);
        leak(feature, view.name, label, labelSource.get(label)!, word ? locationInText(rows.sqlText, word.offset, rows.sqlFile) : view.at);
      }
    }
  }
  return out;
}
