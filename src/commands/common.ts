import { unreachable, viewInput, viewRowsRelation } from "../compile/relations.js";
import type { DataColumn } from "../compile/run-plan.js";
import { timestampTypeProblem } from "../compile/timestamp-types.js";
import type { CompileTarget } from "../compile/relations.js";
import { DiagnosticBag, FcUserError, usageError, userError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { readProject } from "../project/read-project.js";
import type { ProjectConfig } from "../project/read-project.js";
import { loadRegistry } from "../registry/load-registry.js";
import type { FeatureView, Registry } from "../registry/types.js";
import { featureColumns } from "../registry/types.js";
import { parseDuration } from "../registry/durations.js";
import { suggest } from "../suggest.js";
import { parseTimestamp } from "../timestamps.js";
import { openTarget, resolveTarget, sqlGrammars, targetDialect } from "../warehouse/targets.js";
import type { TargetConfig } from "../warehouse/targets.js";
import type { ColumnInfo, Warehouse } from "../warehouse/warehouse.js";

/** Options every command shares. */
export interface ProjectOptions {
  projectDir: string;
  /** Target name from fcompile.yaml; default: the project's `target`. */
  target?: string;
}

/**
 * Reads and validates a project; throws FcUserError with every diagnostic when it is wrong.
 * `requireDataFiles` (for `run`) makes a missing data file an error instead of a warning.
 */
export async function loadProject(
  projectDir: string,
  opts: { requireDataFiles?: boolean } = {},
): Promise<{ config: ProjectConfig; registry: Registry; diagnostics: Diagnostic[] }> {
  // DuckDB is loaded only when it is needed: SQL the PostgreSQL grammar rejects, or a data file to sniff.
  const loaded = await loadRegistry(projectDir, {
    sqlFallback: async (sql) => (await import("../warehouse/duckdb.js")).duckdbSyntaxCheck(sql),
    fileColumns: async (file, format) => (await import("../warehouse/file-reader.js")).fileColumns(file, format),
    requireDataFiles: opts.requireDataFiles,
    sqlGrammars,
  });
  if (!loaded.registry || !loaded.config) throw new FcUserError(loaded.diagnostics);
  return { config: loaded.config, registry: loaded.registry, diagnostics: loaded.diagnostics };
}

/**
 * Reads fcompile.yaml and the definition files without validating the definitions against data
 * (no data file is read, DuckDB is not loaded): what `get` and `serve` need, since the online store
 * describes itself. Throws FcUserError when fcompile.yaml or a file is malformed.
 */
export function loadConfig(projectDir: string): ProjectConfig {
  const bag = new DiagnosticBag();
  const raw = readProject(projectDir, bag);
  if (!raw || bag.hasErrors) throw new FcUserError(bag.items);
  return raw.config;
}

/** A warehouse target and how to compile for it. */
export function compileTargetFor(config: ProjectConfig, targetName?: string): { target: TargetConfig; ct: CompileTarget } {
  const target = resolveTarget(config, targetName);
  return { target, ct: { dialect: targetDialect(target), schema: target.schema } };
}

/** Opens the target's warehouse through its target type (TARGETS); each driver is loaded only when its target is used. */
export async function openWarehouse(target: TargetConfig, projectDir: string, registry: Registry, readOnly = false): Promise<Warehouse> {
  return openTarget(target, { projectDir, registry, readOnly });
}

/** Columns a view needs that its relation lacks, reported at the view's name. */
export function missingColumns(view: FeatureView, relation: string, columns: string[]): Diagnostic[] {
  const have = new Set(columns);
  const need = [...view.joinKeys, view.timestamp, ...(view.createdTimestamp ? [view.createdTimestamp] : []), ...featureColumns(view)];
  return need
    .filter((c) => !have.has(c))
    .map((col) => ({
      code: "FC017" as const,
      severity: "error" as const,
      message: `column '${col}' of view '${view.name}' is not in ${relation} (columns: ${columns.join(", ")})`,
      at: view.at,
    }));
}

/**
 * A view's timestamp (and created timestamp) columns that are not timestamps (an epoch number, …),
 * reported at the view with the column, its type and what to do.
 */
export function timestampColumnProblems(view: FeatureView, relation: string, columns: readonly ColumnInfo[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [role, col] of [
    ["timestamp", view.timestamp],
    ["created timestamp", view.createdTimestamp],
  ] as const) {
    const c = col === undefined ? undefined : columns.find((x) => x.name === col);
    const why = c && timestampTypeProblem(c.type);
    if (c && why) {
      out.push({
        code: "FC003",
        severity: "error",
        message: `${role} column '${c.name}' of view '${view.name}' is ${c.type} in ${relation}: ${why}`,
        at: view.at,
      });
    }
  }
  return out;
}

/** What `run` checks on a step's table: the columns of the views over it, and their timestamp types. */
export function checkColumns(view: FeatureView, relation: string, columns: readonly ColumnInfo[]): Diagnostic[] {
  const missing = missingColumns(
    view,
    relation,
    columns.map((c) => c.name),
  );
  return missing.length > 0 ? missing : timestampColumnProblems(view, relation, columns);
}

/**
 * The columns of every file source's data file as DuckDB reads them (what `run` types its tables
 * from): those the registry read when the project was loaded (loadProject; an unreadable file is
 * already an FC011 there). A missing file is an error naming the source, unless `missingOk`
 * (`build`, which needs no data: it compiles a source without its file from the declared columns).
 */
export function dataFileColumns(reg: Registry, missingOk = false): Map<string, DataColumn[]> {
  if (!missingOk) {
    for (const src of reg.sources.values()) {
      if (src.kind === "file" && !reg.dataFiles.has(src.name))
        throw new FcUserError([
          {
            code: "FC011",
            severity: "error",
            message: `data file ${src.projectPath} of source '${src.name}' not found; create it, or fix 'path'`,
            at: src.at,
          },
        ]);
    }
  }
  return reg.dataFiles;
}

/** Every relation these views read exists and has the columns the view declares. */
export async function checkReady(wh: Warehouse, reg: Registry, ct: CompileTarget, views: Iterable<string>): Promise<void> {
  const problems: Diagnostic[] = [];
  for (const name of new Set(views)) {
    const view = reg.views.get(name)!;
    const rel = viewRowsRelation(reg, view, ct);
    // The table `run` builds for this view's input, if it is one fcompile owns.
    const input = viewInput(view);
    let table: string | undefined;
    switch (input.kind) {
      case "sql-view":
        table = `view__${input.view}`;
        break;
      case "source":
        table = reg.sources.get(input.source)?.kind === "file" ? `source__${input.source}` : undefined;
        break;
      default:
        unreachable(input);
    }
    if (table !== undefined) {
      if (!(await wh.tableExists(ct.schema, table))) {
        throw userError("FC016", `${rel} does not exist in the warehouse yet (needed by view '${name}'); run 'fcompile run' first`);
      }
    }
    problems.push(...checkColumns(view, rel, await wh.describe(rel)));
  }
  if (problems.length > 0) throw new FcUserError(problems);
}

/** A timestamp option (`--end 2025-06-01`), as microseconds; a usage error names the option. */
/**
 * The start of a `--window` ending at `end` (µs since 1970 UTC): `end − window`, or undefined
 * without a window (every row). Throws a usage error, with `example` as the duration to suggest,
 * when the window is not a positive duration.
 */
export function windowStart(end: bigint, window: string | undefined, example: string): bigint | undefined {
  if (window === undefined) return undefined;
  const seconds = parseDuration(window);
  if (seconds === undefined || seconds <= 0)
    throw usageError(`--window '${window}' is not a duration; write e.g. ${example}, 12h, 30m (s m h d w)`);
  return end - BigInt(seconds) * 1_000_000n;
}

/** The views `--select` names (every view without it), in its order; a usage error names an unknown one. */
export function selectedViews(registry: Registry, select: readonly string[] | undefined): string[] {
  const views = select?.length ? [...select] : [...registry.views.keys()];
  for (const v of views)
    if (!registry.views.has(v)) throw usageError(`--select: unknown feature view '${v}'${suggest(v, registry.views.keys())}`);
  return views;
}

export function timestampOption(option: string, value: string): bigint {
  const t = parseTimestamp(value);
  if (t === undefined)
    throw usageError(
      `${option} '${value}' is not a timestamp; write e.g. 2025-06-01, 2025-06-01T12:00:00 or 2025-06-01T12:00:00Z (UTC unless a zone is given)`,
    );
  return t;
}
