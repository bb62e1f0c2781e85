// Online read latency in a fresh process: `node bench/lib/online-read-child.mjs JOB.json`.
// JOB = { url, project, service, view, entities, batch, single, batches, block, warmup, rounds, timeoutMs }.
// Four variants of sequential requests (one in flight at a time); each client variant runs
// alternately with its raw twin, in blocks of `block` requests:
//   client-1     createOnlineClient(…).getOnlineFeatures({ service, entityRows: [1 row] })
//   raw-1        ioredis getBuffer of the same key (same connection options as the client)
//   client-B     getOnlineFeatures with B entity rows
//   raw-B        ioredis mgetBuffer of the same B keys
//   columns-1, columns-B   getOnlineFeatureColumns (the columnar read), against raw-1c / raw-Bc
//                (the same raw reads again, measured alongside the columnar variants)
// Entity ids are drawn with a fixed-seed PRNG, the same sequence for the client and the raw reads.
// Prints one JSON line: { rounds: [{ variant: { n, p50Us, p90Us, p99Us, p999Us, meanUs } }], pooled, check }.
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { createOnlineClient } = await import(pathToFileURL(path.join(REPO_DIR, "dist/client/index.js")).href);
const { decodeValue } = await import(pathToFileURL(path.join(REPO_DIR, "dist/online/codec.js")).href);
const { Redis } = await import("ioredis");

const client = await createOnlineClient({ project: job.project, store: { type: "redis", url: job.url }, timeoutMs: job.timeoutMs });
// The client's connection options (openRedisReader in src/online/redis/reader.ts), so both sides talk to Redis the same way.
const raw = new Redis(job.url, {
  lazyConnect: false,
  commandTimeout: job.timeoutMs,
  connectTimeout: job.timeoutMs,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 1000),
});
raw.on("error", () => undefined);

const version = Number(await raw.hget(`fc:${job.project}:pointer`, job.view));
if (!Number.isFinite(version) || version <= 0) throw new Error(`view ${job.view} is not loaded in fc:${job.project}`);
const prefix = `fc:${job.project}:v${version}:`;
const layout = JSON.parse(await raw.hget(`fc:${job.project}:meta`, `v${version}`));
const types = layout.features.map((f) => f[1]);

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
const variants = {
  "client-1": {
    count: job.single,
    run: (xs, i) => client.getOnlineFeatures({ service: job.service, entityRows: [{ customer_id: xs[i] }] }),
  },
  "raw-1": { count: job.single, run: (xs, i) => raw.getBuffer(prefix + xs[i]) },
  [`client-${B}`]: {
    count: job.batches,
    run: (xs, i) => {
      const rows = new Array(B);
      for (let j = 0; j < B; j++) rows[j] = { customer_id: xs[i * B + j] };
      return client.getOnlineFeatures({ service: job.service, entityRows: rows });
    },
  },
  [`raw-${B}`]: {
    count: job.batches,
    run: (xs, i) => {
      const keys = new Array(B);
      for (let j = 0; j < B; j++) keys[j] = prefix + xs[i * B + j];
      return raw.mgetBuffer(keys);
    },
  },
  "columns-1": {
    count: job.single,
    run: (xs, i) => client.getOnlineFeatureColumns({ service: job.service, entityRows: rowsOf(xs, i, 1) }),
  },
  "raw-1c": { count: job.single, run: (xs, i) => raw.getBuffer(prefix + xs[i]) },
  [`columns-${B}`]: {
    count: job.batches,
    run: (xs, i) => client.getOnlineFeatureColumns({ service: job.service, entityRows: rowsOf(xs, i, B) }),
  },
  [`raw-${B}c`]: {
    count: job.batches,
    run: (xs, i) => {
      const keys = new Array(B);
      for (let j = 0; j < B; j++) keys[j] = prefix + xs[i * B + j];
      return raw.mgetBuffer(keys);
    },
  },
};

/**
 * Runs a client variant and its raw twin in alternating blocks of `job.block` requests (the order
 * flips every block), so both meet the same moments of a noisy machine, as long runs one after
 * the other would not; blocks rather than single requests, so that a garbage collection is paid
 * by the side whose allocations caused it.
 */
async function measurePair(a, b, seed) {
  const { count } = variants[a];
  const xs = ids(seed, count * (a.endsWith("-1") ? 1 : B));
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

// Correctness first: the client's values are the decoded bytes of the raw read.
const probe = ids(7, 200);
let checked = 0;
const res = await client.getOnlineFeatures({ service: job.service, entityRows: probe.map((id) => ({ customer_id: id })) });
const cres = await client.getOnlineFeatureColumns({ service: job.service, entityRows: probe.map((id) => ({ customer_id: id })) });
const bytes = await raw.mgetBuffer(probe.map((id) => prefix + id));
for (let r = 0; r < probe.length; r++) {
  if (!bytes[r]) throw new Error(`entity ${probe[r]} has no value in Redis`);
  const d = decodeValue(types, bytes[r]);
  layout.features.forEach(([name], f) => {
    const got = res.rows[r].features[name];
    const want = d.values[f];
    if (got.status !== "PRESENT" || got.value !== want)
      throw new Error(`entity ${probe[r]} ${name}: client ${got.status} ${got.value}, raw ${want}`);
    const col = cres.columns[name];
    if (col.statuses[r] !== "PRESENT" || col.values[r] !== want || col.eventMicros[r] !== d.ts)
      throw new Error(`entity ${probe[r]} ${name}: columns ${col.statuses[r]} ${col.values[r]}, raw ${want}`);
    checked++;
  });
}

const names = Object.keys(variants);
const pairs = [
  ["client-1", "raw-1"],
  [`client-${B}`, `raw-${B}`],
  ["columns-1", "raw-1c"],
  [`columns-${B}`, `raw-${B}c`],
];
for (const [a, b] of pairs) {
  const counts = [variants[a].count, variants[b].count];
  variants[a].count = variants[b].count = job.warmup;
  await measurePair(a, b, 99);
  [variants[a].count, variants[b].count] = counts;
}
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
    `read round ${r + 1}/${job.rounds}: ${names.map((v) => `${v} p50 ${out[v].p50Us.toFixed(0)} µs p99 ${out[v].p99Us.toFixed(0)} µs`).join(" · ")}\n`,
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
await client.close();
raw.disconnect();
process.stdout.write(
  JSON.stringify({ version, batch: B, rounds, pooled: pooledStats, check: { entities: probe.length, values: checked } }) + "\n",
);
