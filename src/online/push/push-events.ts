/**
 * `client.push` (docs/push.md): finds the loaded views over the push source, checks and encodes
 * the rows for them (any bad row: nothing written), then has the store apply them step by step,
 * each step atomically. A load switching a view's version between the two is noticed by the store
 * (nothing written) and the step is encoded again for the new layouts.
 */
import type { ViewLayout } from "../layout.js";
import type { StoreReader } from "../store-reader.js";
import { OnlineError } from "../store-reader.js";
import { encodePush, rowAccess } from "./encode.js";
import type { EncodedPush } from "./encode.js";
import type { PushOptions, PushReport, PushRows } from "./types.js";
import { PushRowsError } from "./types.js";

/** Rows per atomic step unless told. */
export const DEFAULT_PUSH_BATCH = 2000;

/** `layouts` caches layouts by version (immutable), shared with the client's reads. */
export async function pushEvents(
  store: StoreReader,
  layoutCache: Map<number, ViewLayout>,
  source: string,
  rows: PushRows,
  opts: PushOptions,
): Promise<PushReport> {
  let access: ReturnType<typeof rowAccess>;
  try {
    access = rowAccess(rows);
  } catch (err) {
    throw new OnlineError("BAD_REQUEST", `push to '${source}': ${(err as Error).message}`);
  }
  const size = opts.batchSize ?? DEFAULT_PUSH_BATCH;
  if (!Number.isInteger(size) || size < 1)
    throw new OnlineError("BAD_REQUEST", `batchSize must be a positive integer, not ${String(size)}`);
  const report: PushReport = { rows: access.n, applied: {}, late: {}, duplicates: 0 };
  let targets = await targetsOf(store, layoutCache, source);
  // Every row is checked before anything is written.
  const checked = encodePush(source, targets, rows);
  if (checked.problems.length > 0) throw new PushRowsError(checked.problems);
  for (const t of targets) {
    report.applied[t.view] = 0;
    report.late[t.view] = 0;
  }
  const slice = (from: number): PushRows =>
    Array.isArray(rows)
      ? rows.slice(from, from + size)
      : Object.fromEntries(Object.entries(rows).map(([c, v]) => [c, v.slice(from, from + size)]));
  let encoded = checked.push!;
  for (let from = 0; from < access.n; from += size) {
    // The whole request was encoded once; a step is a slice of it (encoded again only after a load switched versions).
    let step: EncodedPush = { ...encoded, rows: encoded.rows.slice(from, from + size) };
    for (let attempt = 0; ; attempt++) {
      const outcome = await store.pushBatch(step);
      if (!("stale" in outcome)) {
        targets.forEach((t, j) => {
          report.applied[t.view] = (report.applied[t.view] ?? 0) + outcome.applied[j]!;
          report.late[t.view] = (report.late[t.view] ?? 0) + outcome.late[j]!;
        });
        report.duplicates += outcome.duplicates;
        break;
      }
      if (attempt >= 3) throw new OnlineError("STORE", "the online store kept switching versions during the push; try again");
      targets = await targetsOf(store, layoutCache, source);
      for (const t of targets) {
        report.applied[t.view] ??= 0;
        report.late[t.view] ??= 0;
      }
      const again = encodePush(source, targets, slice(from));
      if (again.problems.length > 0) throw new PushRowsError(again.problems.map((p) => ({ ...p, row: p.row + from })));
      step = again.push!;
      if (from + size < access.n) encoded = encodePush(source, targets, rows).push ?? encoded;
    }
  }
  return report;
}

/** The current layouts of the loaded views over push source `source`; BAD_REQUEST when there are none. */
async function targetsOf(store: StoreReader, cache: Map<number, ViewLayout>, source: string): Promise<ViewLayout[]> {
  const pointers = await store.pointers();
  const missing = [...pointers.values()].filter((v) => !cache.has(v));
  if (missing.length > 0) for (const l of await store.layouts(missing)) cache.set(l.version, l);
  const all = [...pointers.values()].map((v) => cache.get(v)!);
  const targets = all.filter((l) => l.push?.source === source).sort((a, b) => (a.view < b.view ? -1 : a.view > b.view ? 1 : 0));
  if (targets.length === 0) {
    const sources = [...new Set(all.flatMap((l) => (l.push ? [l.push.source] : [])))];
    throw new OnlineError(
      "BAD_REQUEST",
      `no loaded view reads push source '${source}' (push sources loaded: ${sources.length > 0 ? sources.join(", ") : "none"}): ` +
        `check the name; a source of the project takes pushes once it has 'push: true' and a plain or aggregation view over it is loaded ('fcompile materialize', then 'fcompile load')`,
    );
  }
  return targets;
}
