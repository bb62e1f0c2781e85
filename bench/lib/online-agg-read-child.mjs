// Online reads of an aggregation view in a fresh process: `node bench/lib/online-agg-read-child.mjs JOB.json`.
// JOB = { url, at, agg, hop?, plain, service, view, entities, batch, single, batches, block, warmup, rounds, timeoutMs }:
// `agg` and `plain` are the projects of bench/online-agg.mjs (the same 9 features as aggregations
// finished at read time, and as a plain view computed at the end time). Sequential requests (one
// in flight), each client variant alternating with its raw twin in blocks of `block` requests:
//   agg-columns-1 / agg-raw-1c      getOnlineFeatureColumns, 1 entity, at `at`   vs ioredis getBuffer of its key
//   agg-rows-1 / agg-raw-1          getOnlineFeatures, 1 entity                  vs getBuffer
//   agg-columns-B / agg-raw-Bc      getOnlineFeatureColumns, B entities          vs mgetBuffer of the B keys
//   agg-rows-B / agg-raw-B          getOnlineFeatures, B entities                vs mgetBuffer
//   hop-columns-1 / hop-raw-1c … hop-rows-B / hop-raw-B: the same four on the view with hop: (tiles)
//   plain-columns-1 / plain-raw-1c … plain-rows-B / plain-raw-B: the same four on the plain view
//                                   (the client's cost without finishing aggregates)
// Before timing: 200 entities read through both shapes of the aggregation clients (agg, hop) are checked
// against the plain view's values (counts exactly, sums and averages to 1e-9 relative, statuses
// and event times). Prints one JSON line: { rounds, pooled, pairs, batch, check }.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { createOnlineClient } = await import(pathToFileURL(path.join(REPO_DIR, "dist/client/index.js")).href);
const { Redis } = await import("ioredis");

const at = new Date(job.at);
const clients = {};
const prefixes = {};
// The client's connection options (openRedisReader in src/online/redis/reader.ts), so both sides talk to Redis the same way.
const raw = new Redis(job.url, {
  lazyConnect: false,
  commandTimeout: job.timeoutMs,
  connectTimeout: job.timeoutMs,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 1000),
});
raw.on("error", () => undefined);
// `hop` (a project of the same view with hop:) is read too when the job names it.
const KINDS = ["agg", ...(job.hop ? ["hop"] : []), "plain"];
for (const kind of KINDS) {
  const project = job[kind];
  clients[kind] = await createOnlineClient({ project, store: { type: "redis", url: job.url }, timeoutMs: job.timeoutMs });
  const version = Number(await raw.hget(`fc:${project}:pointer`, job.view));
  if (!Number.isFinite(version) || version <= 0) throw new Error(`view ${job.view} is not loaded in fc:${project}`);
  prefixes[kind] = `fc:${project}:v${version}:`;
}

// xorshift32: the same id sequence for every variant of a round.
function ids(seed, count) {
  let x = seed >>> 0 || 1;
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x % job.entities) + 1;
  }
  return out;
}

const B = job.batch;
const rowsOf = (xs, i, n) => {
  const rows = new Array(n);
  for (let j = 0; j < n; j++) rows[j] = { customer_id: xs[i * n + j] };
  return rows;
};
const keysOf = (prefix, xs, i, n) => {
  const keys = new Array(n);
  for (let j = 0; j < n; j++) keys[j] = prefix + xs[i * n + j];
  return keys;
};

const variants = {};
const pairs = [];
for (const kind of KINDS) {
  const client = clients[kind];
  const prefix = prefixes[kind];
  for (const shape of ["columns", "rows"]) {
    const read = shape === "columns" ? (req) => client.getOnlineFeatureColumns(req) : (req) => client.getOnlineFeatures(req);
    const twin = (n) => `${kind}-raw-${n}${shape === "columns" ? "c" : ""}`;
    variants[`${kind}-${shape}-1`] = {
      count: job.single,
      n: 1,
      run: (xs, i) => read({ service: job.service, entityRows: rowsOf(xs, i, 1), at }),
    };
    variants[twin(1)] = { count: job.single, n: 1, run: (xs, i) => raw.getBuffer(prefix + xs[i]) };
    variants[`${kind}-${shape}-${B}`] = {
      count: job.batches,
      n: B,
      run: (xs, i) => read({ service: job.service, entityRows: rowsOf(xs, i, B), at }),
    };
    variants[twin(B)] = { count: job.batches, n: B, run: (xs, i) => raw.mgetBuffer(keysOf(prefix, xs, i, B)) };
    pairs.push([`${kind}-${shape}-1`, twin(1)], [`${kind}-${shape}-${B}`, twin(B)]);
  }
}

/**
 * Runs a client variant and its raw twin in alternating blocks of `job.block` requests (the order
 * flips every block), so both meet the same moments of a noisy machine; blocks rather than single
 * requests, so that a garbage collection is paid by the side whose allocations caused it.
 */
async function measurePair(a, b, seed, count = variants[a].count) {
  const xs = ids(seed, count * variants[a].n);
  const out = { [a]: new Float64Array(count), [b]: new Float64Array(count) };
  for (let start = 0, k = 0; start < count; start += job.block, k++) {
    for (const v of k % 2 ? [b, a] : [a, b]) {
      const { run } = variants[v];
      for (let i = start; i < Math.min(count, start + job.block); i++) {
        const t0 = process.hrtime.bigint();
        await run(xs, i);
        out[v][i] = Number(process.hrtime.bigint() - t0);
      }
    }
  }
  return out;
}

function stats(ns) {
  const s = Float64Array.from(ns).sort();
  const pct = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] / 1000;
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50Us: pct(0.5), p90Us: pct(0.9), p99Us: pct(0.99), p999Us: pct(0.999), meanUs: sum / s.length / 1000 };
}

// Correctness first: the aggregates finished at `at` equal the plain view's values computed by SQL at the end time.
const probe = ids(7, 200).map((id) => ({ customer_id: id }));
const want = await clients.plain.getOnlineFeatures({ service: job.service, entityRows: probe, at });
const close = (a, b) => a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
let checked = 0;
let present = 0;
for (const kind of KINDS.filter((k) => k !== "plain")) {
  const rows = await clients[kind].getOnlineFeatures({ service: job.service, entityRows: probe, at });
  const cols = await clients[kind].getOnlineFeatureColumns({ service: job.service, entityRows: probe, at });
  for (let r = 0; r < probe.length; r++) {
    for (const name of want.featureNames) {
      const w = want.rows[r].features[name];
      const got = rows.rows[r].features[name];
      const col = cols.columns[name];
      // The plain view stores a NULL sum/avg (no events in the window) as NULL_VALUE, as the aggregation reads it.
      const wantValue = w.status === "PRESENT" ? w.value : null;
      const ok =
        got.status === w.status &&
        col.statuses[r] === w.status &&
        got.eventTimestamp === w.eventTimestamp &&
        (wantValue === null
          ? got.value === null
          : typeof wantValue === "bigint"
            ? got.value === wantValue && col.values[r] === wantValue
            : close(got.value, wantValue) && close(col.values[r], wantValue));
      if (!ok)
        throw new Error(
          `entity ${probe[r].customer_id} ${name}: ${kind} ${got.status} ${got.value} @ ${got.eventTimestamp} ` +
            `(columns ${col.statuses[r]} ${col.values[r]}), plain view ${w.status} ${w.value} @ ${w.eventTimestamp}`,
        );
      checked++;
      if (w.status === "PRESENT") present++;
    }
  }
}

const names = Object.keys(variants);
for (const [a, b] of pairs) await measurePair(a, b, 99, job.warmup);
const rounds = [];
const pooled = Object.fromEntries(names.map((v) => [v, []]));
for (let r = 0; r < job.rounds; r++) {
  const out = {};
  for (let k = 0; k < pairs.length; k++) {
    const [a, b] = pairs[(k + r) % pairs.length];
    const ns = await measurePair(a, b, 1000 + r);
    for (const v of [a, b]) {
      out[v] = stats(ns[v]);
      pooled[v].push(ns[v]);
    }
  }
  rounds.push(out);
  process.stderr.write(
    `read round ${r + 1}/${job.rounds}: ${pairs
      .map(
        ([a, b]) =>
          `${a} p50 ${out[a].p50Us.toFixed(0)} / p99 ${out[a].p99Us.toFixed(0)} µs vs ${out[b].p50Us.toFixed(0)} / ${out[b].p99Us.toFixed(0)}`,
      )
      .join(" · ")}\n`,
  );
}
const pooledStats = Object.fromEntries(
  names.map((v) => {
    const all = new Float64Array(pooled[v].reduce((n, a) => n + a.length, 0));
    let o = 0;
    for (const a of pooled[v]) {
      all.set(a, o);
      o += a.length;
    }
    return [v, stats(all)];
  }),
);
for (const c of Object.values(clients)) await c.close();
raw.disconnect();
process.stdout.write(
  JSON.stringify({ batch: B, pairs, rounds, pooled: pooledStats, check: { entities: probe.length, values: checked, present } }) + "\n",
);
