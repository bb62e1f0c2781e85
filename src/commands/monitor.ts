import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import { duckdbDialect } from "../dialects/duckdb.js";
import { compareFeature } from "../governance/monitor/compare.js";
import type { FeatureSkew, MonitorKind, Thresholds, TrainingColumn } from "../governance/monitor/compare.js";
import { ServedLogError, readServedLog } from "../governance/monitor/served-log.js";
import type { ServedFeature } from "../governance/monitor/served-log.js";
import { parseDuration } from "../registry/durations.js";
import type { FeatureType, Registry } from "../registry/types.js";
import { suggest } from "../suggest.js";
import { loadProject } from "./common.js";
import type { readerConnection as readerConnectionType } from "../warehouse/file-reader.js";

export type { FeatureSkew };

/** Defaults of `fcompile monitor` (docs/governance.md, "fcompile monitor"). */
export const MONITOR_DEFAULTS = { maxPsi: 0.25, maxMissingIncrease: 0.1 } as const;

/** Options of `fcompile monitor`. */
export interface MonitorOptions {
  projectDir: string;
  /** What `fcompile train` wrote: a .csv or .parquet file whose columns are output names. */
  training: string;
  /** The served-feature log (`serve --log-features`, the client's `logFeatures`). */
  served: string;
  /** Output names to compare; default every feature in the log. */
  features?: string[];
  maxPsi?: number;
  maxKs?: number;
  maxMissingIncrease?: number;
  /** A duration (`6h`); default per feature: its view's ttl, none without one. */
  maxAge?: string;
}

/** What `fcompile monitor` found: what `--json` prints. */
export interface MonitorResult {
  ok: boolean;
  project: string;
  training: { path: string; rows: number };
  served: { path: string; lines: number; firstRequest: string | null; lastRequest: string | null };
  thresholds: { maxPsi: number; maxKs: number | null; maxMissingIncrease: number; maxAge: string | null };
  features: FeatureSkew[];
  /** Features asked for with --features that the training set has but the log never served. */
  notServed: string[];
}

/**
 * `fcompile monitor`: compares the served-feature log with a training set, feature by feature
 * (src/governance/monitor/compare.ts). Reads the project for each feature's type and its view's
 * ttl. Throws FC011 for a missing file (saying how to make it), a usage error for a bad option
 * or a --features name that neither file has, FC015 for a log line that is not one.
 */
export async function monitor(opts: MonitorOptions): Promise<MonitorResult> {
  const format = opts.training.endsWith(".parquet") ? "parquet" : opts.training.endsWith(".csv") ? "csv" : undefined;
  if (!format) throw usageError(`--training must be a .csv or .parquet file, as 'fcompile train --out' writes (got ${opts.training})`);
  if (!isFile(opts.training))
    throw userError(
      "FC011",
      `training set ${opts.training} not found: give the file 'fcompile train --out' wrote (fcompile train --service NAME --entities FILE --out ${opts.training})`,
    );
  if (!isFile(opts.served))
    throw userError(
      "FC011",
      `served-feature log ${opts.served} not found: serve with 'fcompile serve --log-features ${opts.served}' (or the client's logFeatures option) and read some features first`,
    );
  const limits = thresholds(opts);
  const maxAgeSeconds = opts.maxAge === undefined ? undefined : parseDuration(opts.maxAge);
  if (opts.maxAge !== undefined && maxAgeSeconds === undefined)
    throw usageError(`--max-age '${opts.maxAge}' is not a duration; write e.g. 30m, 6h, 2d (s m h d w)`);

  const { registry } = await loadProject(opts.projectDir);
  let log;
  try {
    log = await readServedLog(opts.served);
  } catch (err) {
    if (err instanceof ServedLogError) throw userError("FC015", `${err.message}; is it a log 'fcompile serve --log-features' wrote?`);
    throw err;
  }
  const { readerConnection } = await import("../warehouse/file-reader.js");
  const conn = await readerConnection();
  const relation = duckdbDialect.fileRelation(format, path.resolve(opts.training));
  const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  const columns = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
  const rowsRead = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`);
  const rows = Number(rowsRead.getRowObjectsJS()[0]!.n);

  let names = [...log.features.keys()];
  const notServed: string[] = [];
  if (opts.features?.length) {
    for (const f of opts.features)
      if (!log.features.has(f) && !columns.has(f))
        throw usageError(
          `--features: '${f}' is neither in the served log nor in the training set${suggest(f, [...log.features.keys(), ...columns])}`,
        );
    names = opts.features.filter((f) => log.features.has(f));
    notServed.push(...opts.features.filter((f) => !log.features.has(f)));
  }

  const features: FeatureSkew[] = [];
  for (const name of names) {
    const served = log.features.get(name)!;
    const { kind, ttlSeconds } = featureInfo(registry, served);
    const training = columns.has(name) ? await trainingColumn(conn, relation, name, kind, rows) : undefined;
    features.push(compareFeature(served, kind, training, { ...limits, maxAgeSeconds: maxAgeSeconds ?? ttlSeconds }));
  }
  return {
    ok: features.every((f) => f.status !== "fail"),
    project: registry.project.name,
    training: { path: opts.training, rows },
    served: { path: opts.served, lines: log.lines, firstRequest: log.firstRequest, lastRequest: log.lastRequest },
    thresholds: {
      maxPsi: limits.maxPsi,
      maxKs: limits.maxKs ?? null,
      maxMissingIncrease: limits.maxMissingIncrease,
      maxAge: opts.maxAge ?? null,
    },
    features,
    notServed,
  };
}

function thresholds(opts: MonitorOptions): Thresholds {
  const check = (option: string, v: number | undefined, max: number): void => {
    if (v !== undefined && !(v >= 0 && v <= max)) throw usageError(`${option} must be a number from 0 to ${max} (got ${v})`);
  };
  check("--max-psi", opts.maxPsi, Number.MAX_VALUE);
  check("--max-ks", opts.maxKs, 1);
  check("--max-missing-increase", opts.maxMissingIncrease, 1);
  return {
    maxPsi: opts.maxPsi ?? MONITOR_DEFAULTS.maxPsi,
    maxKs: opts.maxKs,
    maxMissingIncrease: opts.maxMissingIncrease ?? MONITOR_DEFAULTS.maxMissingIncrease,
  };
}

/** The feature's kind (from its declared type; from its logged values when the project no longer has it) and its view's ttl. */
function featureInfo(registry: Registry, served: ServedFeature): { kind: MonitorKind; ttlSeconds?: number } {
  const [viewName, featureName] = served.ref?.split(":") ?? [];
  const view = viewName === undefined ? undefined : registry.views.get(viewName);
  const feature = view?.features.find((f) => f.name === featureName);
  if (view && feature) return { kind: kindOf(feature.type), ttlSeconds: view.ttlSeconds };
  const first = served.values[0];
  return { kind: typeof first === "number" || typeof first === "bigint" ? "numeric" : "categorical" };
}

function kindOf(type: FeatureType): MonitorKind {
  if (type === "string" || type === "bool") return "categorical";
  return type === "timestamp" ? "timestamp" : "numeric";
}

type Connection = Awaited<ReturnType<typeof readerConnectionType>>;

/** A training column's non-null values, read with DuckDB: numbers as doubles, timestamps as seconds since 1970, the rest as text. */
async function trainingColumn(conn: Connection, relation: string, name: string, kind: MonitorKind, rows: number): Promise<TrainingColumn> {
  const col = duckdbDialect.quote(name);
  const expr =
    kind === "numeric"
      ? `CAST(${col} AS DOUBLE)`
      : kind === "timestamp"
        ? `epoch_us(CAST(${col} AS TIMESTAMP)) / 1e6`
        : `CAST(${col} AS VARCHAR)`;
  const read = await conn.runAndReadAll(`SELECT ${expr} AS v FROM ${relation} WHERE ${col} IS NOT NULL`);
  const values = (read.getColumnsJS()[0] ?? []) as (number | string)[];
  return { count: rows, nullCount: rows - values.length, values: values as number[] | string[] };
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}
