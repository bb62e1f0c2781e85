// log-features: read latency with the served-feature log (logFeatures) at rate 1 and 0.01, against no log
//
//   node bench/run.mjs log-features [--entities 10000] [--rounds 5] [--single 5000] [--batches 1000]
//                                   [--batch 100] [--block 100] [--warmup 500] [--url redis://127.0.0.1:6379/0] [--keep]
//
// Data: one view `stats` of 10 features (8 float64 + 2 int64) over `customer`, one row per entity,
// written as CSV, built, run, materialized and loaded into Redis with bin/fcompile (project
// fcbench_logf, keys fc:fcbench_logf:*, deleted at the end unless --keep). One process, three
// clients over the same store: `none` (no log), `rate1` (logFeatures, sampleRate 1) and `rate001`
// (sampleRate 0.01), the logs written to files under bench/.data (removed after each round). Each
// round runs the variants in turns, blocks of `block` sequential requests each, in rotating order;
// per variant and round the p50 and p99 of single-entity row reads (getOnlineFeatures) and of
// `batch`-entity column reads (getOnlineFeatureColumns); the table gives the medians over rounds
// and their ratios to `none`.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { DATA_DIR, REPO_DIR, machineLine, median, parseArgs, table, today } from "./lib/common.mjs";

const PROJECT = "fcbench_logf";

function prepare(dir, entities, url) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  mkdirSync(path.join(dir, "data"), { recursive: true });
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    `name: ${PROJECT}\ndefinitions: [definitions]\ntarget: local\ntargets:\n  local: {type: duckdb, path: warehouse.duckdb}\nonline: {type: redis, url: "${url}"}\n`,
  );
  const feats = [...Array.from({ length: 8 }, (_, i) => `f${i + 1}: float64`), "n1: int64", "n2: int64"].map((s) => {
    const [name, type] = s.split(": ");
    return `      - {name: ${name}, type: ${type}}`;
  });
  writeFileSync(
    path.join(dir, "definitions/defs.yml"),
    [
      "entities:",
      "  - {name: customer, join_keys: [customer_id]}",
      "sources:",
      "  - {name: stats_src, path: ../data/stats.csv, timestamp: ts}",
      "feature_views:",
      "  - name: stats",
      "    entities: [customer]",
      "    source: stats_src",
      "    features:",
      ...feats,
      "feature_services:",
      "  - {name: model, features: ['stats:*']}",
      "",
    ].join("\n"),
  );
  const lines = ["customer_id,ts,f1,f2,f3,f4,f5,f6,f7,f8,n1,n2"];
  for (let i = 1; i <= entities; i++) {
    const f = Array.from({ length: 8 }, (_, k) => ((i * (k + 7)) % 1000) / 7);
    lines.push(`${i},2025-12-${String(1 + (i % 28)).padStart(2, "0")} 00:00:00,${f.join(",")},${i * 3},${i % 97}`);
  }
  writeFileSync(path.join(dir, "data/stats.csv"), lines.join("\n") + "\n");
  for (const step of [["build"], ["run"], ["materialize", "--end", "2026-01-01"], ["load"]]) {
    const r = spawnSync(process.execPath, [path.join(REPO_DIR, "bin/fcompile"), ...step], { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`fcompile ${step.join(" ")}: ${r.stderr}`);
  }
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function main(argv) {
  const args = parseArgs(argv, {
    entities: "10000",
    rounds: "5",
    single: "5000",
    batches: "1000",
    batch: "100",
    block: "100",
    warmup: "500",
    url: process.env.FCBENCH_REDIS_URL ?? "redis://127.0.0.1:6379/0",
  });
  const n = Number(args.entities);
  const B = Number(args.batch);
  const block = Number(args.block);
  const dir = path.join(DATA_DIR, `log-features-e${n}`);
  console.log(`preparing ${n} entities in ${dir} …`);
  prepare(dir, n, args.url);

  const { createOnlineClient } = await import(pathToFileURL(path.join(REPO_DIR, "dist/client/index.js")).href);
  const store = { type: "redis", url: args.url };
  const VARIANTS = ["none", "rate1", "rate001"];
  const logFile = (v, round) => path.join(dir, `served-${v}-${round}.ndjson`);
  let x = 12345;
  const nextId = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x % n) + 1;
  };
  const results = { single: {}, batch: {} };
  for (const v of VARIANTS) {
    results.single[v] = [];
    results.batch[v] = [];
  }

  for (let round = 0; round < Number(args.rounds); round++) {
    const clients = {};
    for (const v of VARIANTS)
      clients[v] = await createOnlineClient({
        project: PROJECT,
        store,
        logFeatures: v === "none" ? undefined : { path: logFile(v, round), sampleRate: v === "rate1" ? 1 : 0.01 },
      });
    for (const shape of ["single", "batch"]) {
      const total = shape === "single" ? Number(args.single) : Number(args.batches);
      const rows = shape === "single" ? 1 : B;
      const read = (c) => {
        const entityRows = Array.from({ length: rows }, () => ({ customer_id: nextId() }));
        return shape === "single"
          ? c.getOnlineFeatures({ service: "model", entityRows })
          : c.getOnlineFeatureColumns({ service: "model", entityRows });
      };
      for (const v of VARIANTS) for (let i = 0; i < Number(args.warmup) / (shape === "single" ? 1 : 10); i++) await read(clients[v]);
      const lat = Object.fromEntries(VARIANTS.map((v) => [v, []]));
      for (let done = 0; done < total; done += block) {
        const order = VARIANTS.map((_, k) => VARIANTS[(k + done / block + round) % VARIANTS.length]);
        for (const v of order)
          for (let i = 0; i < Math.min(block, total - done); i++) {
            const t0 = performance.now();
            await read(clients[v]);
            lat[v].push((performance.now() - t0) * 1000);
          }
      }
      for (const v of VARIANTS) {
        const s = lat[v].sort((a, b) => a - b);
        results[shape][v].push({ p50: quantile(s, 0.5), p99: quantile(s, 0.99) });
      }
    }
    for (const v of VARIANTS) await clients[v].close();
    for (const v of VARIANTS) rmSync(logFile(v, round), { force: true });
    console.log(`round ${round + 1} done`);
  }

  if (!args.keep) {
    const { Redis } = await import("ioredis");
    const r = new Redis(args.url);
    let cursor = "0";
    do {
      const [next, keys] = await r.scan(cursor, "MATCH", `fc:${PROJECT}:*`, "COUNT", 1000);
      if (keys.length) await r.del(...keys);
      cursor = next;
    } while (cursor !== "0");
    r.disconnect();
  }

  console.log(`\n## log-features — ${today()}\n\nmachine: ${machineLine()}\n`);
  const rows = [];
  for (const shape of ["single", "batch"]) {
    const base = { p50: median(results[shape].none.map((r) => r.p50)), p99: median(results[shape].none.map((r) => r.p99)) };
    for (const v of VARIANTS) {
      const p50 = median(results[shape][v].map((r) => r.p50));
      const p99 = median(results[shape][v].map((r) => r.p99));
      rows.push([
        shape === "single" ? "1 entity, rows" : `${B} entities, columns`,
        v === "none" ? "no log" : v === "rate1" ? "log, rate 1" : "log, rate 0.01",
        `${p50.toFixed(0)} µs`,
        `${p99.toFixed(0)} µs`,
        (p50 / base.p50).toFixed(2),
        (p99 / base.p99).toFixed(2),
      ]);
    }
  }
  console.log(table(["read", "variant", "p50", "p99", "p50 / no log", "p99 / no log"], rows));
  console.log(`\n(${args.rounds} rounds, medians over rounds; ${n} entities, Redis ${args.url})`);
}
