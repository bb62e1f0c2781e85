import { statSync } from "node:fs";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import type { YamlPath } from "../project/yaml-file.js";
import type { AggregationView, DataFileColumn, FileSource, PlainView } from "./types.js";

export type { DataFileColumn } from "./types.js";

/**
 * Reads the columns of a CSV or Parquet file as DuckDB reads them (delimiter, quoting and header
 * detected by its sniffer, as `run` loads the file). Throws when the file cannot be read. The
 * commands pass the reader of `src/warehouse/file-reader.ts`; the registry cannot import it.
 */
export type FileColumnsReader = (file: string, format: "csv" | "parquet") => Promise<DataFileColumn[]>;

/** True when `file` is an existing regular file (it is not read). */
export function dataFileExists(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * The columns of every file source whose file is there, read once per source. A file that DuckDB
 * cannot read is an error (FC011) at the source's `path`; a missing file is left out (the registry
 * reports it as a warning, or as an error for `run`).
 */
export async function readSourceColumns(
  sources: Iterable<FileSource>,
  reader: FileColumnsReader,
  bag: DiagnosticBag,
  pathAt: (source: string) => SourceLocation,
): Promise<Map<string, DataFileColumn[]>> {
  const out = new Map<string, DataFileColumn[]>();
  for (const src of sources) {
    if (!dataFileExists(src.path)) continue;
    try {
      out.set(src.name, await reader(src.path, src.format));
    } catch (err) {
      const why = (err as Error).message.split("\n")[0];
      bag.error(
        "FC011",
        `data file ${src.projectPath} of source '${src.name}' cannot be read as ${src.format.toUpperCase()}: ${why}; fix the file or the path`,
        pathAt(src.name),
      );
    }
  }
  return out;
}

/**
 * A file source's join-key, timestamp and feature columns must be in the file (README,
 * "Reference"); an aggregation view's aggregated columns are checked with their types
 * (typeAggregations).
 */
export function checkFileSourceColumns(
  view: PlainView | AggregationView,
  src: FileSource,
  columns: readonly DataFileColumn[],
  bag: DiagnosticBag,
  at: (...p: YamlPath) => SourceLocation,
): void {
  const names = columns.map((c) => c.name);
  const have = new Set(names);
  const missing = (col: string, role: string, where: SourceLocation): void => {
    if (!have.has(col)) {
      bag.error("FC017", `${role} column '${col}' is not in ${src.projectPath} (columns: ${names.join(", ")})`, where);
    }
  };
  for (const k of view.joinKeys) missing(k, "join key", at("entities"));
  missing(view.timestamp, "timestamp", at("source"));
  if (view.createdTimestamp) missing(view.createdTimestamp, "created timestamp", at("source"));
  if (view.kind === "plain") view.features.forEach((f, i) => missing(f.name, "feature", at("features", i, "name")));
}
