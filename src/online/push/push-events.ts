/**
 * `client.push` (docs/push.md): finds the loaded views over the push source, checks and encodes
 * the rows for them (any bad row: nothing written), then has the store apply them step by step,
 * each step atomically. A load switching a view's version between the two is noticed by the store
 * (nothing written) and the step is encoded again for the new layouts.
 */
import type { ViewLayout } from "../layout.js";
import type { StoreReader } from "../store-reader.js";
import { OnlineError } from "../store-reader.js";
import { encodePush, pushStep, rowAccess } from "./encode.js";
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
  // The whole request is encoded once; a step is a slice of it. A load switching versions between
  // two steps: the rows not yet applied are encoded again, once, for the new layouts.
  let encoded = checked.push!;
  let base = 0;
  for (let from = 0; from < access.n; from += size) {
    for (let attempt = 0; ; attempt++) {
      const outcome = await store.pushBatch(pushStep(encoded, from - base, from - base + size));
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
      const again = encodePush(source, targets, rest(rows, from));
      if (again.problems.length > 0) throw new PushRowsError(again.problems.map((p) => ({ ...p, row: p.row + from })));
      encoded = again.push!;
      base = from;
    }
  }
  return report;
}

/** The rows from row `from` on. */
function rest(rows: PushRows, from: number): PushRows {
  if (from === 0) return rows;
  return Array.isArray(rows) ? rows.slice(from) : Object.fromEntries(Object.entries(rows).map(([c, v]) => [c, v.slice(from)]));
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
