// The client's own cost of finishing aggregation features, without Redis:
// `node [--cpu-prof] bench/lib/online-agg-finish.mjs [--densities 10,200] [--reads 2000] [--batch 100] [--repeat 5]
//  [--unsorted] [--hop 1d] [--dist DIR]`.
// Packs the states of 1,000 entities of the benchmark's view (count/sum/avg × 1d/7d/30d over one
// float64 column, D/2 … 3D/2 events in the 30 days before the end) with the loader's packer, all
// in one buffer as a Redis reply holds them, then times the client's decoding of `batch`-entity
// reads (makePlan + decodeRead of src/client/columns.ts, what getOnlineFeatureColumns runs after
// the round trip) at the end time, in CPU time. `--unsorted`: each state's records in random order (as a
// packer that does not sort, or pushed events, leave them), instead of the packer's time order.
// `--hop H` (e.g. 1d): the view with `hop:`, its states packed into tiles (src/online/hop-state.ts).
// `--dist DIR`: the compiled client to time (default dist/; e.g. a build of another commit).
// Prints per density: CPU µs per read and ns per event (median of the repeats), and a checksum of
// the values so two builds can be compared.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR, median, parseArgs } from "./common.mjs";

const args = parseArgs(process.argv.slice(2), {
  densities: "10,200",
  reads: "2000",
  batch: "100",
  repeat: "5",
  dist: path.join(REPO_DIR, "dist"),
});
const dist = (p) => import(pathToFileURL(path.resolve(String(args.dist), p)).href);
const { EventStatePacker } = await dist("online/aggregation-state.js");
const HOP_MICROS = { "1h": 3_600_000_000n, "1d": 86_400_000_000n }[String(args.hop ?? "")];
if (args.hop && !HOP_MICROS) throw new Error("--hop: 1h or 1d");
const hopState = HOP_MICROS ? await dist("online/hop-state.js") : undefined;
const { makePlan, decodeRead } = await dist("client/columns.js");

const DAY = 86_400_000_000n;
const END = 1_767_225_600_000_000n; // 2026-01-01
const windows = [1n, 7n, 30n];
const aggregation = {
  eventTypes: ["float64"],
  created: false,
  features: windows.flatMap((d) =>
    ["count", "sum", "avg"].map((fn) => ({ function: fn, value: fn === "count" ? null : 0, flag: null, windowMicros: String(d * DAY) })),
  ),
  stateStart: String(END - 30n * DAY),
};
if (hopState) aggregation.hop = hopState.hopLayout(aggregation, HOP_MICROS, END);
const names = windows.flatMap((d) => [`count_${d}d`, `amount_sum_${d}d`, `amount_avg_${d}d`]);
const layout = {
  view: "orders",
  version: 1,
  keys: ["customer_id"],
  keyTypes: ["int64"],
  features: names.map((n) => [n, n.startsWith("count") ? "int64" : "float64"]),
  ttlSeconds: null,
  aggregation,
  end: "2026-01-01 00:00:00",
  loadedAt: "",
  rows: 0,
};
const wanted = names.map((n) => ({ view: "orders", feature: n, name: n }));
const plan = makePlan(wanted, ["orders"], [1], [layout]);

let seed = 12345;
const rand = () => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 2 ** 32;
};

const B = Number(args.batch);
const reads = Number(args.reads);
for (const density of String(args.densities).split(",").map(Number)) {
  const ENTITIES = 1000;
  const states = [];
  let events = 0;
  for (let e = 0; e < ENTITIES; e++) {
    const n = Math.floor(density / 2) + Math.floor(rand() * (density + 1));
    events += n;
    const records = Array.from({ length: n }, () => ({
      ts: END - 1n - BigInt(Math.floor(rand() * 30 * 86400e6)),
      amount: Math.round(rand() * 1e5) / 100,
    }));
    if (!args.unsorted) records.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    let state;
    if (hopState) {
      const packer = new hopState.HopStatePacker(aggregation);
      for (const x of records) packer.add(x.ts, [x.amount]);
      state = packer.take();
    } else {
      // One record per event, in the order drawn (the packer would sort them).
      const packer = new EventStatePacker(aggregation);
      const parts = records.map((x) => (packer.add(x.ts, [x.amount]), packer.take()));
      state = new Uint8Array(parts.reduce((s, b) => s + b.length, 0));
      parts.reduce((p, b) => (state.set(b, p), p + b.length), 0);
    }
    states.push(state);
  }
  // One buffer, as a Redis reply: values are slices of it.
  const total = states.reduce((s, b) => s + b.length + 8, 0);
  const reply = new Uint8Array(total);
  const slices = [];
  let p = 0;
  for (const s of states) {
    p += 8;
    reply.set(s, p);
    slices.push(reply.subarray(p, p + s.length));
    p += s.length;
  }
  const batches = Array.from({ length: 64 }, () => Array.from({ length: B }, () => slices[Math.floor(rand() * ENTITIES)]));
  const perEntity = events / ENTITIES;
  let checksum = 0;
  const run = (count) => {
    for (let i = 0; i < count; i++) {
      const d = decodeRead(plan, [batches[i & 63]], END, B);
      checksum += d.columns[8].values[i % B] || 0;
    }
  };
  run(3000); // warm-up: past the JIT tiers
  // CPU time of the process (user + system), which other tenants of the machine disturb less than wall time.
  const us = [];
  for (let r = 0; r < Number(args.repeat); r++) {
    const c0 = process.cpuUsage();
    run(reads);
    const c = process.cpuUsage(c0);
    us.push((c.user + c.system) / reads);
  }
  const m = median(us);
  console.log(
    `density ${density} (${perEntity.toFixed(1)} events/entity): ${m.toFixed(1)} CPU µs per ${B}-entity read ` +
      `(${((m * 1000) / (B * perEntity)).toFixed(1)} ns per event; runs ${us.map((x) => x.toFixed(0)).join(", ")} µs); checksum ${checksum.toFixed(2)}`,
  );
}
