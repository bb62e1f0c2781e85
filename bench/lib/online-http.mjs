// The HTTP part of the online benchmark: `bin/fcompile serve` against a bare fastify + ioredis GET
// server (bench/lib/online-http-baseline.mjs), both under autocannon with the same connections and
// single-entity requests (a random entity per request), in alternating runs.
import { spawn } from "node:child_process";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";
import { REPO_DIR, median, table } from "./common.mjs";

const BIN = path.join(REPO_DIR, "bin/fcompile");
const BASELINE = path.join(REPO_DIR, "bench/lib/online-http-baseline.mjs");

/** Starts a server process; resolves with { url, stop } once it printed `listening on <url>`. */
function startServer(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    const fail = (e) => reject(new Error(`${args.join(" ")}: ${e}\n${err}${out}`));
    child.on("error", fail);
    child.on("exit", (code) => fail(`exited ${code} before listening`));
    child.stderr.on("data", (d) => (err += d));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+?)(?:\s|$)/.exec(out);
      if (m) {
        child.removeAllListeners("exit");
        resolve({
          url: m[1],
          pid: child.pid,
          stop: () =>
            new Promise((done) => {
              child.on("exit", done);
              child.kill("SIGTERM");
            }),
        });
      }
    });
  });
}

/** One autocannon run: `connections` connections for `durationS` seconds, a random entity per request. */
function cannon(url, { connections, durationS, entities, seed }) {
  let x = seed >>> 0 || 1;
  const body = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return `{"feature_service":"bench_model","entities":{"customer_id":[${(x % entities) + 1}]}}`;
  };
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/get-online-features`,
        connections,
        duration: durationS,
        requests: [
          {
            method: "POST",
            headers: { "content-type": "application/json" },
            setupRequest: (req) => ({ ...req, body: body() }),
          },
        ],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

function summarize(r) {
  return {
    rps: r.requests.average,
    p50Ms: r.latency.p50,
    p90Ms: r.latency.p90,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/**
 * Runs both servers, `repeat` alternating rounds of `durationS` seconds each (after a warm-up run
 * of each), and returns the raw runs and a markdown summary.
 */
export async function runHttp({ dir, project, url, entities, connections, durationS, repeat }) {
  const servers = {
    fcompile: await startServer([BIN, "serve", "--project", dir, "--port", "0"], { FCBENCH_REDIS_URL: url }),
    baseline: await startServer([BASELINE, url, project, "stats"]),
  };
  const runs = { fcompile: [], baseline: [] };
  try {
    // The server answers correctly before it is timed.
    const res = await globalThis.fetch(`${servers.fcompile.url}/get-online-features`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: `{"feature_service":"bench_model","entities":{"customer_id":[1]}}`,
    });
    const json = await res.json();
    if (res.status !== 200 || json.results?.[1]?.statuses?.[0] !== "PRESENT")
      throw new Error(`fcompile serve answered ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    for (const name of Object.keys(servers)) await cannon(servers[name].url, { connections, durationS: 2, entities, seed: 7 });
    const names = Object.keys(servers);
    for (let r = 0; r < repeat; r++) {
      const line = [];
      for (const name of r % 2 ? [...names].reverse() : names) {
        await sleep(500);
        const s = summarize(await cannon(servers[name].url, { connections, durationS, entities, seed: 1000 + r }));
        runs[name].push(s);
        line.push(`${name} ${Math.round(s.rps).toLocaleString("en")} req/s p50 ${s.p50Ms} ms p99 ${s.p99Ms} ms`);
        if (s.non2xx || s.errors || s.timeouts) line.push(`(${name}: ${s.non2xx} non-2xx, ${s.errors} errors, ${s.timeouts} timeouts)`);
      }
      console.log(`http round ${r + 1}/${repeat}: ${line.join(" · ")}`);
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
  const med = (name, k) => median(runs[name].map((s) => s[k]));
  const rows = Object.keys(runs).map((name) => [
    name === "fcompile" ? "fcompile serve" : "fastify + raw GET",
    `${Math.round(med(name, "rps")).toLocaleString("en")}`,
    `${med(name, "p50Ms")} ms`,
    `${med(name, "p99Ms")} ms`,
    runs[name].reduce((n, s) => n + s.non2xx + s.errors + s.timeouts, 0),
  ]);
  const paired = median(runs.fcompile.map((s, i) => s.rps / runs.baseline[i].rps));
  const summary = [
    table(["server", "median req/s", "median p50", "median p99", "non-2xx + errors"], rows),
    "",
    `fcompile ÷ baseline: req/s ${(med("fcompile", "rps") / med("baseline", "rps")).toFixed(2)}× (paired ${paired.toFixed(2)}×), ` +
      `p99 ${(med("fcompile", "p99Ms") / med("baseline", "p99Ms")).toFixed(2)}×`,
  ].join("\n");
  return { connections, durationS, runs, summary };
}
