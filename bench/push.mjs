// push: events/s from one process into Redis through client.push (batches), vs redis-benchmark running the same EVAL with the same payload shape
//
// A Redis store with one aggregation view over a push source (layout written directly: no
// warehouse needed). client.push sends `--rows` events in batches of `--batch` over `--entities`
// entities; the baseline is redis-benchmark (one connection, no pipelining, as client.push) sending
// the very EVAL of one such batch — the same script, keys and argument shape, record bytes replaced
// by printable bytes of the same length — `--calls` times. Both append to the same keys. Medians of
// `--runs` runs, alternating. Target (issue 10): client.push ≥ 25% of the baseline's events/s.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Redis } from "ioredis";
import { REPO_DIR, median, parseArgs, table } from "./lib/common.mjs";

const dist = (p) => import(pathToFileURL(path.join(REPO_DIR, "dist", p)).href);

export async function main(argv) {
  const opts = parseArgs(argv, { rows: 50000, batch: 500, entities: 1000, runs: 3, url: "redis://127.0.0.1:6379/0" });
  const { createOnlineClient } = await dist("client/index.js");
  const { encodePush } = await dist("online/push/encode.js");
  const { PUSH_SCRIPT } = await dist("online/redis/push-script.js");
  const { redisKeys } = await dist("online/layout.js");
  const project = `bench_push_${process.pid}`;
  const k = redisKeys(project);
  const redis = new Redis(opts.url);
  const E = 1_735_689_600_000_000n; // 2025-01-01
  const layout = {
    view: "orders_agg",
    version: 1,
    keys: ["customer_id"],
    keyTypes: ["int64"],
    features: [
      ["n_1d", "int64"],
      ["total", "float64"],
    ],
    ttlSeconds: null,
    aggregation: {
      eventTypes: ["float64"],
      created: false,
      features: [
        { function: "count", value: null, flag: null, windowMicros: "86400000000" },
        { function: "sum", value: 0, flag: null, windowMicros: null },
      ],
      stateStart: null,
    },
    push: {
      source: "orders",
      keys: ["customer_id"],
      timestamp: "ts",
      created: null,
      values: [{ column: "amount", as: "value" }],
      filters: [],
      latenessMicros: null,
      dedupeKey: null,
      // As load writes them: every row's columns are checked against these (and NaN in amount).
      columns: ["customer_id", "amount", "ts"],
      floatColumns: ["amount"],
    },
    end: "2025-01-01 00:00:00",
    loadedAt: new Date().toISOString(),
    rows: 0,
  };
  const clear = async () => {
    const keys = await redis.keys(`fc:${project}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.hset(k.pointer, layout.view, "1");
    await redis.hset(k.meta, "v1", JSON.stringify(layout), "services", "{}");
  };
  const rowsOf = (from, n) =>
    Array.from({ length: n }, (_, i) => ({
      customer_id: (from + i) % opts.entities,
      amount: ((from + i) % 97) + 0.5,
      ts: new Date(Number((E + BigInt(from + i) * 1_000_000n) / 1000n)),
    }));
  const all = rowsOf(0, opts.rows);

  // The baseline command: the EVAL of one batch, as RedisReader.pushBatch builds it.
  const step = encodePush("orders", [layout], rowsOf(0, opts.batch)).push;
  const prefix = k.pushPrefix(layout.view);
  const keys = [k.pointer, k.newest, k.pushedIds("orders"), ...step.keys.map((key) => prefix + key)];
  const args = [
    "1",
    String(step.n),
    k.valuePrefix(0).slice(0, -2),
    "0",
    "0",
    k.loadedIdsPrefix,
    layout.view,
    "1",
    String(E),
    "a",
    "",
    String(Buffer.byteLength(prefix)),
  ];
  for (let r = 0; r < step.n; r++) args.push("", String(step.ts[r]), "x".repeat(step.starts[r + 1] - step.starts[r]), "0");
  const calls = Math.max(10, Math.round(opts.rows / opts.batch));
  // The baseline must do the work: one EVAL of it through ioredis must append every event (a reply
  // of 'stale', or an error, would make redis-benchmark time a script that returns at once).
  const checkBaseline = async () => {
    const reply = await redis.eval(PUSH_SCRIPT, keys.length, ...keys, ...args);
    if (!Array.isArray(reply) || reply[0] !== step.n)
      throw new Error(`the baseline EVAL does not push ${step.n} events: it answered ${JSON.stringify(reply)}`);
  };
  const url = new URL(opts.url);

  const client = await createOnlineClient({ project, store: { type: "redis", url: opts.url }, timeoutMs: 10_000 });
  const ours = [];
  const theirs = [];
  try {
    for (let run = 0; run < opts.runs; run++) {
      await clear();
      await client.push("orders", all.slice(0, opts.batch)); // warm: layouts, connection
      await clear();
      const t0 = performance.now();
      const report = await client.push("orders", all, { batchSize: opts.batch });
      const s = (performance.now() - t0) / 1000;
      if (report.applied[layout.view] !== opts.rows) throw new Error(`pushed ${JSON.stringify(report)}`);
      ours.push(opts.rows / s);
      await clear();
      await checkBaseline();
      await clear();
      const out = execFileSync(
        "redis-benchmark",
        [
          "-h",
          url.hostname,
          "-p",
          url.port || "6379",
          "-c",
          "1",
          "-n",
          String(calls),
          "-q",
          "EVAL",
          PUSH_SCRIPT,
          String(keys.length),
          ...keys,
          ...args,
        ],
        { encoding: "utf8", maxBuffer: 1 << 24 },
      );
      const rps = Number(/([\d.]+) requests per second/.exec(out)?.[1]);
      if (!rps) throw new Error(`redis-benchmark said: ${out.slice(0, 500)}`);
      theirs.push(rps * opts.batch);
    }
  } finally {
    await client.close();
    const left = await redis.keys(`fc:${project}:*`);
    if (left.length) await redis.del(...left);
    redis.disconnect();
  }
  const fmt = (x) => `${Math.round(x).toLocaleString("en-US")}`;
  console.log(
    `\npush: ${opts.rows} events in batches of ${opts.batch} over ${opts.entities} entities, one aggregation view, ${opts.runs} runs`,
  );
  console.log(
    table(
      ["path", "events/s (median)", "runs"],
      [
        ["client.push (check, encode, EVAL)", fmt(median(ours)), ours.map(fmt).join(" / ")],
        ["redis-benchmark, same EVAL", fmt(median(theirs)), theirs.map(fmt).join(" / ")],
      ],
    ),
  );
  console.log(`ratio client.push / redis-benchmark: ${((100 * median(ours)) / median(theirs)).toFixed(0)}% (target ≥ 25%)`);
}
