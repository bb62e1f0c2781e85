/**
 * The served-feature log (docs/online.md, "Logging served features"): sampled entity rows of
 * every read, appended to a file as NDJSON for `fcompile monitor`. One line per sampled row:
 *
 *   {"requestTime": ISO µs, "service": name | null, "entity": {join key: value},
 *    "features": {output name: {"value", "status", "eventTimestamp": ISO | null, "feature": "view:feature"}}}
 *
 * Values: int64 as a JSON number when it fits a double exactly (|v| ≤ 2^53), else its digits as
 * text; NaN and ±Infinity as the text "NaN", "Infinity", "-Infinity" with the status kept (as
 * `fcompile serve` answers them); null when the status is not PRESENT. The read path only draws
 * the sample and copies the sampled rows; lines are made after the read has answered, and written
 * asynchronously: buffered, appended when the buffer reaches `flushBytes` or `flushMs` after the
 * first buffered line, and on `close`. A write error never fails a read: it is reported once
 * (onError, default stderr) and the buffered lines dropped.
 */
import { appendFile } from "node:fs/promises";
import { NO_EVENT } from "../online/aggregation-state.js";
import { isoMicros } from "./iso-micros.js";
import type { FeatureColumn } from "./types.js";

/** `createOnlineClient({ logFeatures })`: where and how much to log. */
export interface FeatureLogOptions {
  /** The NDJSON file the lines are appended to (created if missing). */
  path: string;
  /** The share of entity rows logged, in (0, 1]; each row is drawn on its own. Default 1 (every row, as Feast's logging). */
  sampleRate?: number;
  /** Draws in [0, 1) for the sampling; default Math.random (tests pass a seeded one). */
  random?: () => number;
  /**
   * Called once at the first write error (the log stops; later errors are not reported), and once
   * if lines are dropped because the writes fall behind. Default: one line on stderr.
   */
  onError?: (err: Error) => void;
  /** Append when this many bytes are buffered. Default 1 MiB. */
  flushBytes?: number;
  /** Append at most this many milliseconds after a line was buffered. Default 1000. */
  flushMs?: number;
}

/** Lines beyond this many characters buffered or being written (a disk far slower than the reads) are dropped, and reported once. */
const MAX_PENDING_BYTES = 64 * 1024 * 1024;
const SAFE = 2n ** 53n;

/** One requested feature of a read: its output name and `view:feature`. */
export interface LoggedFeature {
  name: string;
  view: string;
  feature: string;
}

/** One read's sampled rows, copied, waiting to be made into lines. */
interface Recorded {
  service: string | undefined;
  entityRows: readonly Record<string, unknown>[];
  features: readonly LoggedFeature[];
  columns: FeatureColumn[];
  atMicros: bigint;
}

/** A column's rows `picked` (all of them when undefined), copied. */
function copyRows(c: FeatureColumn, picked: number[] | undefined): FeatureColumn {
  if (!picked)
    return { values: c.values.slice() as FeatureColumn["values"], statuses: c.statuses.slice(), eventMicros: c.eventMicros.slice() };
  const n = picked.length;
  const eventMicros = new BigInt64Array(n);
  const statuses: FeatureColumn["statuses"] = new Array(n);
  const values: unknown[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const r = picked[i]!;
    eventMicros[i] = c.eventMicros[r]!;
    statuses[i] = c.statuses[r]!;
    values[i] = c.values[r];
  }
  return { values: values as FeatureColumn["values"], statuses, eventMicros };
}

/** Writes the served-feature log of one client. */
export class FeatureLog {
  private readonly sampleRate: number;
  private readonly random: () => number;
  private readonly flushBytes: number;
  private readonly flushMs: number;
  private chunks: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private failed = false;
  private dropped = 0;
  /** Characters handed to appendFile and not written yet. */
  private inFlight = 0;
  /** Reads recorded but not yet made into lines (see `record`). */
  private queue: Recorded[] = [];
  private scheduled = false;
  /** Per feature list (a resolved request's, cached by the client): each feature's `"name":{"value":` and `,"feature":"v:f"}`. */
  private readonly parts = new WeakMap<readonly LoggedFeature[], { head: string[]; tail: string[] }>();

  constructor(private readonly opts: FeatureLogOptions) {
    const rate = opts.sampleRate ?? 1;
    if (typeof opts.path !== "string" || opts.path === "") throw new Error("logFeatures.path must be a file path");
    if (!(rate > 0 && rate <= 1)) throw new Error(`logFeatures.sampleRate must be in (0, 1] (got ${rate})`);
    this.sampleRate = rate;
    this.random = opts.random ?? Math.random;
    this.flushBytes = opts.flushBytes ?? 1024 * 1024;
    this.flushMs = opts.flushMs ?? 1000;
  }

  /**
   * Logs the sampled rows of one read: `columns[k]` holds feature k's values for every entity
   * row, read as of `atMicros` (the request time). Draws the sample and copies the columns now
   * (the caller may reuse them); the lines are made after the read has answered (setImmediate),
   * so a read does not wait for them. Never throws.
   */
  record(
    service: string | undefined,
    entityRows: readonly Record<string, unknown>[],
    features: readonly LoggedFeature[],
    columns: readonly FeatureColumn[],
    atMicros: bigint,
  ): void {
    if (this.failed || entityRows.length === 0) return;
    try {
      let picked: number[] | undefined;
      if (this.sampleRate < 1) {
        picked = [];
        for (let r = 0; r < entityRows.length; r++) if (this.random() < this.sampleRate) picked.push(r);
        if (picked.length === 0) return;
      }
      this.queue.push({
        service,
        entityRows: picked ? picked.map((r) => entityRows[r]!) : entityRows.slice(),
        features,
        columns: columns.map((c) => copyRows(c, picked)),
        atMicros,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.writeQueued());
      }
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Makes the lines of the reads recorded since the last call. */
  private writeQueued(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    try {
      let out = "";
      for (const q of queued) out += this.lines(q);
      if (out !== "") this.add(out);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private lines({ service, entityRows, features, columns, atMicros }: Recorded): string {
    const { head, tail } = this.partsOf(features);
    const prefix = `{"requestTime":"${isoMicros(atMicros)}","service":${service === undefined ? "null" : JSON.stringify(service)},"entity":`;
    let out = "";
    for (let r = 0; r < entityRows.length; r++) {
      let line = prefix + entityJson(entityRows[r]!) + ',"features":{';
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k]!;
        const status = c.statuses[r]!;
        const m = c.eventMicros[r]!;
        const ts = status === "NOT_FOUND" || m === NO_EVENT ? "null" : `"${isoMicros(m)}"`;
        line += `${k === 0 ? "" : ","}${head[k]}${status === "PRESENT" ? valueJson(c.values, r) : "null"},"status":"${status}","eventTimestamp":${ts}${tail[k]}`;
      }
      out += line + "}}\n";
    }
    return out;
  }

  /** Appends what is buffered; resolves when every line so far is written (or dropped on an error). */
  flush(): Promise<void> {
    if (this.queue.length > 0) this.writeQueued();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.chunks.length > 0) {
      const text = this.chunks.join("");
      this.chunks = [];
      this.bytes = 0;
      this.inFlight += text.length;
      this.writing = this.writing
        .then(() => (this.failed ? undefined : appendFile(this.opts.path, text).catch((err: Error) => this.fail(err))))
        .finally(() => (this.inFlight -= text.length));
    }
    return this.writing;
  }

  /** Writes what is left; the log takes no more lines after. */
  async close(): Promise<void> {
    await this.flush();
    this.failed = true;
  }

  private add(text: string): void {
    if (this.bytes + this.inFlight > MAX_PENDING_BYTES) {
      if (this.dropped++ === 0)
        this.report(`fcompile: the served-feature log ${this.opts.path} falls behind the reads: lines beyond 64 MiB buffered are dropped`);
      return;
    }
    this.chunks.push(text);
    this.bytes += text.length;
    if (this.bytes >= this.flushBytes) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushMs);
      this.timer.unref();
    }
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.chunks = [];
    this.report(`fcompile: the served-feature log ${this.opts.path} stopped: ${err.message} (reads go on without it)`);
  }

  private report(msg: string): void {
    if (this.opts.onError) this.opts.onError(new Error(msg));
    else process.stderr.write(`warning: ${msg}\n`);
  }

  private partsOf(features: readonly LoggedFeature[]): { head: string[]; tail: string[] } {
    let p = this.parts.get(features);
    if (!p) {
      p = {
        head: features.map((f) => `${JSON.stringify(f.name)}:{"value":`),
        tail: features.map((f) => `,"feature":${JSON.stringify(`${f.view}:${f.feature}`)}}`),
      };
      this.parts.set(features, p);
    }
    return p;
  }
}

/** A PRESENT value of a column as JSON (see the file's docstring for int64 and NaN). */
function valueJson(values: FeatureColumn["values"], r: number): string {
  const v = values[r];
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : `"${v}"`;
  if (typeof v === "bigint") return int64Json(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return "null";
}

function int64Json(v: bigint): string {
  return v <= SAFE && v >= -SAFE ? String(v) : `"${v}"`;
}

/** The entity row as given, as JSON: bigints by the int64 rule, numbers that JSON cannot hold as text. */
function entityJson(row: Record<string, unknown>): string {
  let out = "{";
  let first = true;
  for (const k in row) {
    const v = row[k];
    const text =
      typeof v === "bigint"
        ? int64Json(v)
        : typeof v === "number"
          ? Number.isFinite(v)
            ? String(v)
            : `"${v}"`
          : typeof v === "string"
            ? JSON.stringify(v)
            : (JSON.stringify(v) ?? "null");
    out += `${first ? "" : ","}${JSON.stringify(k)}:${text}`;
    first = false;
  }
  return out + "}";
}
