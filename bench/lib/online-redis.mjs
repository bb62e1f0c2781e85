// Redis helpers of the online benchmark: connection, INFO memory, cleanup of the benchmark's own
// keys (only ever `fc:fcbench_*`), and redis-benchmark as the physical ceiling of SET.
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";

/** Every key this benchmark writes starts with this (the rule: touch only keys of our own projects). */
export const KEY_GUARD = /^fc:fcbench_[a-z0-9_]*:/;

export function connect(url) {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  redis.on("error", () => undefined);
  return redis;
}

/** `INFO memory` as numbers (used_memory, used_memory_rss, …). */
export async function memoryInfo(redis) {
  const text = await redis.info("memory");
  const out = {};
  for (const line of text.split("\r\n")) {
    const m = /^(\w+):(\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Deletes every key of `fc:<project>:*` (SCAN + UNLINK); returns how many. Refuses anything else. */
export async function deleteProjectKeys(redis, project) {
  const pattern = `fc:${project}:*`;
  if (!KEY_GUARD.test(`fc:${project}:`)) throw new Error(`refusing to delete keys outside fc:fcbench_*: ${pattern}`);
  let removed = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 10000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== "0");
  return removed;
}

/**
 * Mean `MEMORY USAGE` (bytes: key, value, object headers, dict entry) over up to `n` keys matching
 * `pattern`: a per-key figure that other tenants of the server cannot disturb.
 */
export async function sampledKeyBytes(redis, pattern, n = 1000) {
  const keys = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 5000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== "0" && keys.length < n);
  if (keys.length === 0) return NaN;
  const pipe = redis.pipeline();
  for (const k of keys.slice(0, n)) pipe.memory("USAGE", k, "SAMPLES", "0");
  const sizes = (await pipe.exec()).map(([err, v]) => (err ? NaN : Number(v)));
  return sizes.reduce((a, b) => a + b, 0) / sizes.length;
}

/** Waits until Redis' lazy-free queue is empty, so used_memory reflects the deletions. */
export async function settle(redis) {
  for (let i = 0; i < 50; i++) {
    const text = await redis.info("memory");
    const m = /lazyfree_pending_objects:(\d+)/.exec(text);
    if (!m || m[1] === "0") break;
    await sleep(100);
  }
}

/**
 * `redis-benchmark -P <pipeline> -n <n> -r <keyspace> SET fc:fcbench_rb:v1:__rand_int__ <value>`:
 * the same command as `-t set -d <bytes>` (a SET of a value of that size on random keys), spelled
 * as a custom command so the keys stay under our own prefix and have about fcompile's key length.
 * Resolves with { rps, ms, stdout }.
 */
export function redisBenchmarkSet({ host, port, n, keyspace, valueBytes, pipeline = 100, clients = 50, project = "fcbench_rb" }) {
  const args = [
    "-h",
    host,
    "-p",
    String(port),
    "-c",
    String(clients),
    "-P",
    String(pipeline),
    "-n",
    String(n),
    "-r",
    String(keyspace),
    "--csv",
    "SET",
    `fc:${project}:v1:__rand_int__`,
    "x".repeat(valueBytes),
  ];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn("redis-benchmark", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - t0;
      if (code !== 0) return reject(new Error(`redis-benchmark exited ${code}: ${err}${out}`));
      const line = out
        .trim()
        .split("\n")
        .filter((l) => l.startsWith('"SET'))
        .pop();
      const rps = line ? Number(JSON.parse(`[${line}]`)[1]) : NaN;
      if (!Number.isFinite(rps)) return reject(new Error(`cannot read redis-benchmark's rate from: ${out}`));
      resolve({ rps, ms, command: `redis-benchmark ${args.slice(0, -1).join(" ")} <${valueBytes} bytes>` });
    });
  });
}

/** `host` and `port` of a redis:// URL. */
export function hostPort(url) {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) };
}
