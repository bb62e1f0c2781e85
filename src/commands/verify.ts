import { rowsKeptSince } from "../compile/pushed-rows.js";
import { pushedTable, sourceRelation, viewRowsRelation } from "../compile/relations.js";
import type { CompileTarget } from "../compile/relations.js";
import { compileTraining, outputName } from "../compile/training.js";
import { createOnlineClient } from "../client/index.js";
import type { FeatureValue, OnlineClient } from "../client/index.js";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import { plural } from "../diagnostics/plural.js";
import { resolveOnline } from "../project/online-config.js";
import type { AggregationFeature, FeatureRef, FeatureType, FeatureView, Registry } from "../registry/types.js";
import { rowSourceOf } from "../registry/types.js";
import { onlineStore } from "../online/stores.js";
import type { PushedState } from "../online/stores.js";
import type { Warehouse } from "../warehouse/warehouse.js";
import { formatTimestamp, parseTimestamp } from "../timestamps.js";
import { checkReady, compileTargetFor, loadProject, openWarehouse, timestampOption } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { sampleRows } from "./verify-sample.js";
import { entitySpec } from "./train.js";

/** Options of `verify` (docs/semantics.md, "Online": the consistency check). */
export interface VerifyOptions extends ProjectOptions {
  end: string;
  /** Entities to check per entity key (default 100). */
  sample?: number;
  /** Limit the check to a service's features (default: every feature of every loaded view). */
  service?: string;
  /** Seed of the sample, so a failing check can be rerun on the same entities. */
  seed?: number;
}

/** A feature whose online value differs from training's. */
export interface Mismatch {
  entity: Record<string, unknown>;
  feature: string;
  /** The read time, when not the end (an aggregation view read later). */
  at?: string;
  training: unknown;
  online: unknown;
  status: FeatureValue["status"];
}

/**
 * `fcompile verify`: for a sample of entities, the training row at T = end against an online read
 * evaluated as of end. They must be equal, value for value (docs/semantics.md, "Online").
 * Aggregation views are also read at later times (laterReadTimes), against training at those
 * times over the events before the end plus, for a push source, the events pushed offline since
 * (pushed__<source>, as `online_and_offline` pushes write them): their windows move on online as
 * in training, and pushed events count alike. A view with `hop:` is compared with its own
 * definition: training over each window widened to [floor_hop(t − w), t) at read time t
 * (hopWindowsAt), exactly as the other views.
 */
export async function verify(opts: VerifyOptions): Promise<{
  entities: number;
  features: number;
  compared: number;
  /** How many read times after the end aggregation views were also compared at (0: none). */
  laterReads: number;
  statuses: Record<string, number>;
  mismatches: Mismatch[];
  /** When there are mismatches: the likely causes that come from pushes (pushHints), each a sentence to print. */
  hints: string[];
}> {
  const end = timestampOption("--end", opts.end);
  const sample = opts.sample ?? 100;
  if (!Number.isInteger(sample) || sample < 1) throw usageError("--sample must be a whole number of entities, at least 1");
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  let refs: FeatureRef[];
  if (opts.service) {
    const s = registry.services.get(opts.service);
    if (!s) throw userError("FC006", `unknown feature service '${opts.service}'`);
    refs = s.features;
  } else refs = [...registry.views.values()].flatMap((v) => v.features.map((f) => ({ view: v.name, feature: f.name })));
  const store = resolveOnline(config);
  const client = await createOnlineClient({ project: config.name, store, timeoutMs: 10_000 });
  try {
    await checkLoadedAt(client, [...new Set(refs.map((r) => r.view))], end, opts.end);
  } catch (err) {
    await client.close();
    throw err;
  }
  const wh = await openWarehouse(target, config.dir, registry, true);
  const mismatches: Mismatch[] = [];
  let entities = 0;
  let compared = 0;
  const later = new Set<bigint>();
  const statuses: Record<string, number> = {};
  const pushedSources = new Set<string>();
  let hints: string[] = [];
  try {
    await checkReady(
      wh,
      registry,
      ct,
      refs.map((r) => r.view),
    );
    // Push sources with pushed rows offline (`run` creates pushed__<source> empty): aggregation views
    // read later, and plain views read at their newest pushed time, also count the events pushed since the end.
    for (const src of registry.sources.values())
      if (src.push && (await wh.tableExists(ct.schema, pushedTable(src, ct)[1]))) {
        const n = await firstValue(wh.readRows(`SELECT count(*) FROM ${ct.dialect.qualified(pushedTable(src, ct))}`));
        if (Number(n) > 0) pushedSources.add(src.name);
      }
    const pushed = await onlineStore(store).pushedState(store, config.name, PUSHED_IDS_CHECKED);
    // Views sharing join keys are checked together, on a sample of the entities that occur in their rows.
    const groups = new Map<string, FeatureRef[]>();
    for (const r of refs) {
      const keys = registry.views.get(r.view)!.joinKeys.join(",");
      groups.set(keys, [...(groups.get(keys) ?? []), r]);
    }
    for (const [keyList, group] of groups) {
      const keys = keyList.split(",");
      const q = (s: string): string => ct.dialect.quote(s);
      // DISTINCT: a view has many rows per entity, and each entity is sampled once (UNION alone
      // dedupes only when there are two views or more).
      const union = [...new Set(group.map((r) => r.view))]
        .map((v) => `SELECT DISTINCT ${keys.map(q).join(", ")} FROM ${viewRowsRelation(registry, registry.views.get(v)!, ct)}`)
        .join("\nUNION\n");
      const picked = await sampleRows(
        wh.readRows(`SELECT * FROM (${union}) AS k WHERE ${keys.map((k) => `${q(k)} IS NOT NULL`).join(" AND ")}`),
        sample,
        opts.seed ?? 1,
      );
      if (picked.length === 0) continue;
      entities += picked.length;
      const literal = (v: unknown): string => (typeof v === "string" ? ct.dialect.stringLiteral(v) : String(v));
      // Every feature at the end; aggregation features also at later read times, over the events
      // before the end (what the store holds): their windows must move on exactly as training's.
      const aggregated = group.filter((r) => registry.views.get(r.view)!.kind === "aggregation");
      // A plain view over a push source serves its latest row, pushed after the end or not: it is
      // read (its ttl evaluated) at the newest event time pushed to it, against training then over
      // the rows at or before the end plus those pushed offline (rowsKeptSince).
      const pushedLater = new Map<string, bigint>();
      for (const v of new Set(group.map((r) => r.view))) {
        const view = registry.views.get(v)!;
        const newest = pushed.newest.get(v);
        if (view.kind === "plain" && registry.sources.get(view.source)?.push && newest !== undefined && newest > end)
          pushedLater.set(v, newest);
      }
      const readTimes: { at: bigint; refs: FeatureRef[]; rowsKept?: ReadonlyMap<string, string> }[] = [
        { at: end, refs: group.filter((r) => !pushedLater.has(r.view)) },
        ...[...pushedLater].map(([v, at]) => ({
          at,
          refs: group.filter((r) => r.view === v),
          rowsKept: new Map([[v, rowsKeptSince(registry, registry.views.get(v)!, ct, timestampSql(ct, end), pushedSources, true)]]),
        })),
        ...laterReadTimes(registry, aggregated).map((offset) => ({ at: end + offset, refs: aggregated })),
      ];
      for (const { at, refs: atRefs } of readTimes) if (at !== end && atRefs.some((r) => aggregated.includes(r))) later.add(at);
      for (const { at, refs: atRefs, rowsKept } of readTimes) {
        if (atRefs.length === 0) continue;
        const values = picked.map(
          (row) => `(${row.map(literal).join(", ")}, CAST(${ct.dialect.stringLiteral(formatTimestamp(at))} AS TIMESTAMP))`,
        );
        const entitySql = `SELECT * FROM (VALUES ${values.join(", ")}) AS e(${[...keys, "event_timestamp"].map(q).join(", ")})`;
        // Features are compared under their full names; two that share one (a:b__c, a__b:c) are read in separate passes.
        for (const part of withoutFullNameClashes(atRefs)) {
          const rel = await wh.loadEntities({ sql: entitySql }, entitySpec(registry, ct, part, "event_timestamp", true));
          const sql = compileTraining(hopWindowsAt(registry, at), ct, {
            title: "verify",
            features: part,
            entities: rel.relation,
            timestampColumn: "event_timestamp",
            fullNames: true,
            entityColumns: rel.columns,
            eventsBefore: at === end ? undefined : timestampSql(ct, end),
            pushedSources,
            rowsKept,
          });
          const features = part.map((r) => registry.views.get(r.view)!.features.find((f) => f.name === r.feature)!);
          const types = features.map((f) => f.type);
          // Float sums (sum, avg, stddev of floats) add the same values in another order online.
          const tolerant = features.map((f) => {
            const fn = (f as Partial<AggregationFeature>).aggregation?.function;
            return fn !== undefined && FLOAT_SUMS.has(fn) && f.type === "float64";
          });
          const cols = part.map((r, i) =>
            types[i] === "timestamp" ? ct.dialect.epochMicros(q(outputName(r, true))) : q(outputName(r, true)),
          );
          const training = new Map<string, unknown[]>();
          for await (const batch of wh.readRows(`SELECT ${[...keys.map(q), ...cols].join(", ")} FROM (\n${sql}\n) AS t`)) {
            for (const row of batch) training.set(JSON.stringify(row.slice(0, keys.length).map(String)), row.slice(keys.length));
          }
          for (let i = 0; i < picked.length; i += 100) {
            const rows = picked.slice(i, i + 100).map((p) => Object.fromEntries(keys.map((k, j) => [k, p[j]])));
            const online = await client.getOnlineFeatures({
              features: part.map((r) => `${r.view}:${r.feature}`),
              entityRows: rows,
              at: formatTimestamp(at),
              fullNames: true,
            });
            online.rows.forEach((orow) => {
              const want = training.get(JSON.stringify(keys.map((k) => String(orow.entity[k]))));
              part.forEach((r, fi) => {
                const name = outputName(r, true);
                const got = orow.features[name]!;
                const t = want ? want[fi] : null;
                compared++;
                statuses[got.status] = (statuses[got.status] ?? 0) + 1;
                if (!sameValue(t, got.value, types[fi]!, tolerant[fi]))
                  mismatches.push({
                    entity: orow.entity,
                    feature: `${r.view}:${r.feature}`,
                    ...(at === end ? {} : { at: formatTimestamp(at) }),
                    training: t,
                    online: got.value,
                    status: got.status,
                  });
              });
            });
          }
        }
      }
    }
    if (mismatches.length > 0) hints = await pushHints(registry, wh, ct, end, mismatches, pushedSources, pushed);
  } finally {
    await wh.close();
    await client.close();
  }
  return { entities, features: refs.length, compared, laterReads: later.size, statuses, mismatches, hints };
}

/** How many of a source's newest pushed ids the store keeps `verify` looks up in the warehouse (pushHints). */
const PUSHED_IDS_CHECKED = 10_000;

/**
 * Why mismatching views over a push source may differ, as far as verify can tell (docs/push.md,
 * "verify after pushes"): a view that holds pushed events online, or whose source took pushed
 * events (known by their dedupe_key) that are not in the warehouse, may have had some pushed with
 * `to: online`, which training cannot see; a view with `lateness:` whose source took pushes offline
 * that may have been late for it (older than its newest event time by more than its lateness) may
 * have had late events, in the warehouse but not online.
 */
async function pushHints(
  reg: Registry,
  wh: Warehouse,
  ct: CompileTarget,
  end: bigint,
  mismatches: readonly Mismatch[],
  pushedSources: ReadonlySet<string>,
  pushed: PushedState,
): Promise<string[]> {
  const views = [...new Set(mismatches.map((m) => m.feature.split(":")[0]!))].sort();
  const overPush = views.flatMap((name) => {
    const view = reg.views.get(name)!;
    const source = rowSourceOf(view);
    const src = source === undefined ? undefined : reg.sources.get(source);
    return src?.push ? [{ view, src }] : [];
  });
  const unseen = new Map<string, number>();
  const hints: string[] = [];
  const pushWith =
    `push with 'to: online_and_offline' ('fcompile push --to online_and_offline', "to": "online_and_offline" in POST /push) ` +
    `for training to see them too`;
  const toOnline = "pushed with 'to: online' (the default of fcompile push, POST /push and client.push)";
  for (const { view, src } of overPush) {
    const n = pushed.entries.get(view.name) ?? 0;
    if (!unseen.has(src.name)) unseen.set(src.name, await idsNotInWarehouse(reg, wh, ct, src.name, pushed.ids.get(src.name) ?? []));
    const m = unseen.get(src.name)!;
    if (n > 0)
      hints.push(
        `view '${view.name}' holds events pushed online (for ${plural(n, "entity", "entities")}): if some were ${toOnline}, ` +
          `they are not in the warehouse, so training cannot see them and they show here as mismatches; ${pushWith}`,
      );
    // Events pushed before the end go into an aggregation view's loaded state, not the push area: known by their ids.
    else if (m > 0)
      hints.push(
        `view '${view.name}' reads source '${src.name}', and the online store keeps ${plural(m, "event")} pushed to it ` +
          `(known by '${src.dedupeKey}') that ${m === 1 ? "is" : "are"} not in the warehouse: if ${m === 1 ? "it was" : "they were"} ` +
          `${toOnline}, training cannot see ${m === 1 ? "it, and it shows" : "them, and they show"} here as mismatches; ${pushWith}`,
      );
    if (view.lateness !== undefined && pushedSources.has(src.name) && (await mayBeLate(reg, wh, ct, view, end, pushed)))
      hints.push(
        `view '${view.name}' has 'lateness: ${view.lateness}': if events pushed offline to source '${src.name}' were late for it, ` +
          `they are in the warehouse (training counts them) but were not written online, and show here as mismatches until ` +
          `the next 'fcompile materialize' and 'fcompile load' (push reports count them as late)`,
      );
  }
  return hints;
}

/** SQL of a TIMESTAMP literal at `micros`. */
function timestampSql(ct: CompileTarget, micros: bigint): string {
  return `CAST(${ct.dialect.stringLiteral(formatTimestamp(micros))} AS TIMESTAMP)`;
}

/** The first value of a query's first row. */
async function firstValue(rows: AsyncIterable<unknown[][]>): Promise<unknown> {
  let value: unknown;
  for await (const batch of rows) if (value === undefined && batch.length > 0) value = batch[0]![0];
  return value;
}

/**
 * How many of `ids` (event ids the online store keeps for a push source with a dedupe_key) are not
 * in the source's rows in the warehouse: events pushed online only. Compared as text.
 */
async function idsNotInWarehouse(reg: Registry, wh: Warehouse, ct: CompileTarget, source: string, ids: readonly string[]): Promise<number> {
  const src = reg.sources.get(source)!;
  if (src.dedupeKey === undefined || ids.length === 0) return 0;
  const k = ct.dialect.quote(src.dedupeKey);
  let missing = 0;
  for (let i = 0; i < ids.length; i += 1000) {
    const values = ids.slice(i, i + 1000).map((id) => `(${ct.dialect.stringLiteral(id)})`);
    const sql =
      `SELECT count(*) FROM (VALUES ${values.join(", ")}) AS i(id) WHERE i.id NOT IN ` +
      `(SELECT CAST(${k} AS VARCHAR) FROM ${sourceRelation(src, ct)} WHERE ${k} IS NOT NULL)`;
    missing += Number(await firstValue(wh.readRows(sql)));
  }
  return missing;
}

/**
 * Whether some rows pushed offline to the view's source may have been late for it: older than its
 * newest event time now (the end, or the newest pushed since) by more than its lateness. None can
 * have been late otherwise, as the newest time only grows.
 */
async function mayBeLate(
  reg: Registry,
  wh: Warehouse,
  ct: CompileTarget,
  view: FeatureView,
  end: bigint,
  pushed: PushedState,
): Promise<boolean> {
  if (view.latenessSeconds === undefined) return true;
  const newest = pushed.newest.get(view.name) ?? end;
  const horizon = (newest > end ? newest : end) - BigInt(view.latenessSeconds) * 1_000_000n;
  const src = reg.sources.get(rowSourceOf(view)!)!;
  const ts = `CAST(${ct.dialect.quote(view.timestamp)} AS TIMESTAMP)`;
  const sql = `SELECT count(*) FROM ${ct.dialect.qualified(pushedTable(src, ct))} WHERE ${ts} < ${timestampSql(ct, horizon)}`;
  return Number(await firstValue(wh.readRows(sql))) > 0;
}

/**
 * The registry as training must read it to give what a hop view serves at read time `at`
 * (docs/aggregations.md, "Hop"): each finite window w of a view with `hop:` widened to
 * `at − floor_hop(at − w)` — the window [floor_hop(at − w), at) — so training at T = at computes the
 * hop definition exactly, and online values are compared with it as with any other. Every entity
 * row of a pass has the same timestamp `at`, so one widened window serves them all.
 */
export function hopWindowsAt(reg: Registry, at: bigint): Registry {
  if (![...reg.views.values()].some((v) => v.kind === "aggregation" && v.hopSeconds !== undefined)) return reg;
  const views = new Map(
    [...reg.views].map(([name, v]) => {
      if (v.kind !== "aggregation" || v.hopSeconds === undefined) return [name, v] as const;
      const hop = BigInt(v.hopSeconds) * 1_000_000n;
      const features = v.features.map((f) => {
        const w = f.aggregation.windowSeconds;
        if (w === undefined) return f;
        const lower = at - BigInt(w) * 1_000_000n;
        const r = lower % hop;
        const widened = at - (r < 0n ? lower - r - hop : lower - r);
        // Whole microseconds as seconds: the interval literal writes them exactly (e.g. 2592000.000001).
        return { ...f, aggregation: { ...f.aggregation, windowSeconds: Number(widened) / 1e6 } };
      });
      return [name, { ...v, features }] as const;
    }),
  );
  return { ...reg, views };
}

/** Splits features into passes in which no two share a full output name (compared case-insensitively, as warehouses do). */
function withoutFullNameClashes(refs: FeatureRef[]): FeatureRef[][] {
  const passes: { refs: FeatureRef[]; names: Set<string> }[] = [];
  for (const r of refs) {
    const name = outputName(r, true).toLowerCase();
    let pass = passes.find((p) => !p.names.has(name));
    if (!pass) passes.push((pass = { refs: [], names: new Set() }));
    pass.refs.push(r);
    pass.names.add(name);
  }
  return passes.map((p) => p.refs);
}

/**
 * The online store must hold every view as materialized at `end`: verify compares training at
 * T = end with what was loaded, so another end time would report differences that are only the
 * time between the two. A usage error says which end is loaded and what to run.
 */
async function checkLoadedAt(client: OnlineClient, views: string[], end: bigint, endText: string): Promise<void> {
  const layouts = await client.loaded(views);
  const problems: string[] = [];
  views.forEach((v, i) => {
    const l = layouts[i];
    if (!l) problems.push(`view '${v}' is not loaded in the online store`);
    else if (parseTimestamp(l.end) !== end) problems.push(`view '${v}' is loaded as of ${l.end}, not ${formatTimestamp(end)}`);
  });
  if (problems.length === 0) return;
  const loadedEnds = [...new Set(layouts.flatMap((l) => (l ? [l.end] : [])))];
  throw userError(
    "FC015",
    `verify --end ${endText}: ${problems.join("; ")}. Run 'fcompile materialize --end ${endText}' and 'fcompile load' first` +
      (loadedEnds.length === 1 ? `, or check what is loaded with 'fcompile verify --end "${loadedEnds[0]}"'` : ""),
  );
}

/**
 * Read times after the end (as offsets, µs) at which aggregation features are checked too: a
 * minute, half the shortest window, the shortest window, half the longest and the longest window
 * after the end (one day and thirty days when every window is lifetime) — where events leave the
 * windows.
 */
function laterReadTimes(reg: Registry, refs: readonly FeatureRef[]): bigint[] {
  if (refs.length === 0) return [];
  const windows = refs.flatMap((r) => {
    const f = reg.views.get(r.view)!.features.find((x) => x.name === r.feature) as Partial<AggregationFeature>;
    const w = f.aggregation?.windowSeconds;
    return w === undefined ? [] : [w];
  });
  const shortest = windows.length > 0 ? Math.min(...windows) : 86400;
  const longest = windows.length > 0 ? Math.max(...windows) : 30 * 86400;
  const seconds = [60, Math.floor(shortest / 2), shortest, Math.floor(longest / 2), longest];
  return [...new Set(seconds)].map((x) => BigInt(x) * 1_000_000n);
}

/** Aggregations whose float results add values up: equal to floating-point precision (docs/aggregations.md). */
const FLOAT_SUMS: ReadonlySet<string> = new Set(["sum", "avg", "stddev"]);

/** Relative tolerance of `tolerant` comparisons: about 4500 ulps, far below any value's meaning. */
export const FLOAT_SUM_TOLERANCE = 1e-12;

/**
 * Equal as the feature's type compares: float32 at float32 precision, timestamps to the
 * microsecond, NaN equal to NaN (a NaN feature is the same value on both sides), 0 equal to -0.
 * `tolerant` (a float sum, average or standard deviation of an aggregation view, whose additions
 * the warehouse and the client make in other orders): equal within FLOAT_SUM_TOLERANCE, relative.
 */
export function sameValue(training: unknown, online: unknown, type: FeatureType, tolerant = false): boolean {
  if (training === null || training === undefined) return online === null || online === undefined;
  if (online === null || online === undefined) return false;
  switch (type) {
    case "int64":
      return BigInt(training as bigint) === BigInt(online as bigint);
    case "timestamp":
      return BigInt(training as bigint) === parseTimestamp(String(online));
    case "float32":
      return sameNumber(Math.fround(Number(training)), Math.fround(Number(online)));
    case "int32":
    case "float64": {
      const [a, b] = [Number(training), Number(online)];
      if (tolerant && Number.isFinite(a) && Number.isFinite(b))
        return Math.abs(a - b) <= FLOAT_SUM_TOLERANCE * Math.max(Math.abs(a), Math.abs(b), Number.MIN_VALUE);
      return sameNumber(a, b);
    }
    case "bool":
      return toBool(training) === toBool(online);
    case "string":
      return String(training) === String(online);
  }
}

/** `===` on numbers, except that NaN equals NaN (+0 and -0 are equal already). */
function sameNumber(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** A warehouse's boolean (true/false, or PostgreSQL's text t/f) as a boolean. */
function toBool(v: unknown): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "t" || v === "true") return true;
  if (v === "f" || v === "false") return false;
  return undefined;
}
