import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import { fileError } from "../diagnostics/file-errors.js";
import { duckdbDialect } from "../dialects/duckdb.js";
import { compareFeature } from "../governance/monitor/compare.js";
import type { FeatureSkew, MonitorKind, Thresholds, TrainingColumn } from "../governance/monitor/compare.js";
import { ServedLogError, readServedLog } from "../governance/monitor/served-log.js";
import type { LogChecks, ServedFeature } from "../governance/monitor/served-log.js";
import { parseDuration } from "../registry/durations.js";
import type { FeatureType, FeatureView, Registry } from "../registry/types.js";
import { parseTimestamp } from "../timestamps.js";
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
 * ttl. Throws FC011 for a missing or unreadable file (saying how to make it), a usage error for
 * a bad option or a --features name that neither file has, and FC015 at `file:line:col` for what
 * cannot be compared: a log line that is not one (not JSON, an unknown status, a value not of the
 * feature's type, a `view:feature` the project lacks), a log with no feature, a training set
 * with no row or with no column the log served; FC003 for a training value not of its type.
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
    log = await readServedLog(opts.served, logChecks(registry));
  } catch (err) {
    if (err instanceof ServedLogError)
      throw fileError("FC015", `${err.message}; is it a log 'fcompile serve --log-features' wrote?`, opts.served, err.line, err.col);
    throw err;
  }
  if (log.features.size === 0)
    throw fileError(
      "FC015",
      `the served-feature log holds ${log.lines === 0 ? "no line" : "no feature"}: nothing was logged, so nothing can be compared; serve with 'fcompile serve --log-features ${opts.served}' (or the client's logFeatures option), read some features, then stop the server (lines are written within 1 s and at shutdown)`,
      opts.served,
    );
  const { readerConnection } = await import("../warehouse/file-reader.js");
  const conn = await readerConnection();
  const relation = duckdbDialect.fileRelation(format, path.resolve(opts.training));
  let columns: Set<string>;
  let rows: number;
  try {
    const described = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
    columns = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const rowsRead = await conn.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`);
    rows = Number(rowsRead.getRowObjectsJS()[0]!.n);
  } catch (err) {
    const why = (err as Error).message.split("\n")[0]!.replace(/^[A-Za-z ]+ Error: /, "");
    throw fileError(
      "FC011",
      `cannot read the training set as ${format}: ${why}; give the file 'fcompile train --out' wrote`,
      opts.training,
    );
  }
  if (rows === 0)
    throw fileError(
      "FC015",
      `the training set holds no row: nothing to compare the served values with; give the file 'fcompile train --out' wrote`,
      opts.training,
    );

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
    const info = featureInfo(registry, served);
    const { kind, ttlSeconds } = info;
    const training = columns.has(name) ? await trainingColumn(conn, relation, opts.training, served, info, rows) : undefined;
    features.push(compareFeature(served, kind, training, { ...limits, maxAgeSeconds: maxAgeSeconds ?? ttlSeconds }));
  }
  const compared = features.filter((f) => f.status !== "not_in_training");
  if (features.length === 0)
    throw fileError(
      "FC015",
      `the log never served ${notServed.map((n) => `'${n}'`).join(", ")} (--features): nothing was compared; it served ${[...log.features.keys()].join(", ")}`,
      opts.served,
    );
  if (compared.length === 0)
    throw fileError(
      "FC015",
      `no feature of the served log (${features.map((f) => f.name).join(", ")}) is a column of the training set (${[...columns].join(", ")}): nothing was compared; give the training set of the model the log served`,
      opts.training,
    );
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

/** The view and feature of `view:feature` in the project, or undefined. */
function lookUp(registry: Registry, ref: string): { view: FeatureView; type: FeatureType } | undefined {
  const [viewName, featureName] = ref.split(":");
  const view = viewName === undefined ? undefined : registry.views.get(viewName);
  const feature = view?.features.find((f) => f.name === featureName);
  return view && feature ? { view, type: feature.type } : undefined;
}

/** The feature's kind (from its declared type) and its view's ttl; the log reader has checked that the project has it. */
function featureInfo(registry: Registry, served: ServedFeature): { kind: MonitorKind; type: FeatureType; ttlSeconds?: number } {
  const found = lookUp(registry, served.ref ?? "")!;
  return { kind: kindOf(found.type), type: found.type, ttlSeconds: found.view.ttlSeconds };
}

/**
 * What the log reader checks against the project: every `view:feature` the log names is one of
 * the project's (its type says how to compare it), and every PRESENT value is of that type in the
 * log's forms (docs/online.md, "Logging served features"): numbers as JSON numbers, int64 beyond
 * 2^53 as digits, NaN and ±Infinity as text; timestamps as ISO 8601 text; strings; booleans.
 */
function logChecks(registry: Registry): LogChecks {
  const features = [...registry.views.values()].flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`));
  return {
    feature: (ref) =>
      lookUp(registry, ref)
        ? undefined
        : `the log names feature '${ref}', which the project does not have${suggest(ref, features)}; monitor the log with the project that served it (--project DIR)`,
    value: (ref, value) => {
      const type = lookUp(registry, ref)!.type;
      const shown = typeof value === "string" ? `'${value}'` : String(value);
      switch (kindOf(type)) {
        case "numeric":
          return typeof value === "number" ||
            typeof value === "bigint" ||
            (typeof value === "string" && /^(-?\d+|NaN|-?Infinity)$/.test(value))
            ? undefined
            : `value ${shown} is not a number (${ref} is ${type})`;
        case "timestamp":
          return typeof value === "string" && parseTimestamp(value) !== undefined
            ? undefined
            : `value ${shown} is not an ISO 8601 timestamp (${ref} is ${type})`;
        default:
          return typeof value === (type === "bool" ? "boolean" : "string")
            ? undefined
            : `value ${shown} is not a ${type} (${ref} is ${type})`;
      }
    },
  };
}

function kindOf(type: FeatureType): MonitorKind {
  if (type === "string" || type === "bool") return "categorical";
  return type === "timestamp" ? "timestamp" : "numeric";
}

type Connection = Awaited<ReturnType<typeof readerConnectionType>>;

/**
 * A training column's non-null values, read with DuckDB: numbers as doubles, timestamps as
 * seconds since 1970, the rest as text. Throws FC003 at `file` naming the column and a value that
 * is not of the feature's type (`abc` in a CSV column of a float64 feature).
 */
async function trainingColumn(
  conn: Connection,
  relation: string,
  file: string,
  served: ServedFeature,
  { kind, type }: { kind: MonitorKind; type: FeatureType },
  rows: number,
): Promise<TrainingColumn> {
  const col = duckdbDialect.quote(served.name);
  const cast = kind === "numeric" ? `TRY_CAST(${col} AS DOUBLE)` : kind === "timestamp" ? `TRY_CAST(${col} AS TIMESTAMP)` : undefined;
  if (cast) {
    const bad = await conn.runAndReadAll(
      `SELECT CAST(${col} AS VARCHAR) AS v, count(*) OVER () AS n FROM ${relation} WHERE ${col} IS NOT NULL AND ${cast} IS NULL LIMIT 1`,
    );
    const first = bad.getRowObjectsJS()[0];
    if (first) {
      const n = Number(first.n);
      throw fileError(
        "FC003",
        `column '${served.name}' holds '${String(first.v)}'${n > 1 ? ` (and ${n - 1} more values)` : ""}, not ${kind === "numeric" ? "a number" : "a timestamp"}, but ${served.ref} is ${type}: give the training set 'fcompile train' wrote for this project`,
        file,
      );
    }
  }
  const expr = kind === "numeric" ? cast! : kind === "timestamp" ? `epoch_us(${cast!}) / 1e6` : `CAST(${col} AS VARCHAR)`;
  const read = await conn.runAndReadAll(`SELECT ${expr} AS v FROM ${relation} WHERE ${col} IS NOT NULL`);
  const values = (read.getColumnsJS()[0] ?? []) as (number | string)[];
  return { count: rows, nullCount: rows - values.length, values: values as number[] | string[] };
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}
