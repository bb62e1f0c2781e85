import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { Command } from "ioredis";
import { dedupedSources, redisKeys } from "../layout.js";
import type { ServiceCatalog, ViewLayout } from "../layout.js";
import { LoadLockedError } from "../online-writer.js";
import type { OnlineEntry, OnlineWriter, WriterOptions } from "../online-writer.js";
import { OnlineError } from "../store-reader.js";
import { redisError } from "./errors.js";
import { removePushed, removePushedIds, trimPushed } from "./push-trim.js";
import { DEFAULT_REDIS_URL, redactRedisUrl } from "./url.js";
import { PrebuiltCommand, bulkSize, byteLength, digits, writeBulk, writeHeader, writeKey } from "../resp.js";

const LOCK_MS = 30_000;
const MSET_KEYS = 500;
const SET_PXAT_KEYS = 250;

// SET with an absolute expiry for each key: KEYS are the keys, ARGV value and expiry (unix ms) pairs.
// One script call per few hundred keys costs Redis and ioredis far less than one SET command each
// (measured 2x the rate of pipelined SET … PXAT); each SET stays atomic.
const SET_PXAT = `for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PXAT', ARGV[2 * i]) end return #KEYS`;

// Switches every view of a load at once, and only if this load still holds the lock; drops the
// pointer of every view the project no longer has. Returns {old versions, retired views}.
// KEYS: lock, pointer, meta, loading. ARGV: token, services JSON, project views JSON, then
// (view, version, layout JSON)…
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('fcompile: the load lock was lost') end
local old = {}
local retired = {}
local keep = {}
for _, v in ipairs(cjson.decode(ARGV[3])) do keep[v] = true end
local current = redis.call('HGETALL', KEYS[2])
for i = 1, #current, 2 do
  if not keep[current[i]] then
    table.insert(old, current[i + 1])
    table.insert(retired, current[i])
    redis.call('HDEL', KEYS[2], current[i])
  end
end
for i = 4, #ARGV, 3 do
  local prev = redis.call('HGET', KEYS[2], ARGV[i])
  if prev then table.insert(old, prev) end
  redis.call('HSET', KEYS[3], 'v' .. ARGV[i + 1], ARGV[i + 2])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HDEL', KEYS[4], ARGV[i + 1])
end
redis.call('HSET', KEYS[3], 'services', ARGV[2])
return {old, retired}`;
const REFRESH = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Connects a writer to Redis; a Redis that cannot be reached is an OnlineError UNAVAILABLE naming the URL. */
export async function openRedisWriter(url: string | undefined, project: string, opts: WriterOptions): Promise<RedisWriter> {
  const where = redactRedisUrl(url);
  const redis = new Redis(url ?? DEFAULT_REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 5000, lazyConnect: true });
  let lastError: Error | undefined;
  redis.on("error", (err: Error) => (lastError = err)); // surfaced through the failing command
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw redisError(err, where, lastError ?? (err as Error));
  }
  return new RedisWriter(redis, project, { graceMs: opts.graceMs ?? 1000 }, where, () => lastError);
}

/**
 * Loads into Redis (README "Online store layout"): each view's values under a new version, written
 * in batches (MSET, or SET … PXAT inside a script when values expire) whose bytes are built here
 * rather than by ioredis, with several batches on the wire; then the pointer flipped for all views
 * in one script; old versions are removed after a grace period that lets in-flight reads finish.
 */
export class RedisWriter implements OnlineWriter {
  private readonly k: ReturnType<typeof redisKeys>;
  private readonly token = randomUUID();
  private refresher: NodeJS.Timeout | undefined;
  private lockLost = false;
  private versions: number[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly project: string,
    private readonly opts: { graceMs: number; maxInflight?: number },
    readonly where = "Redis",
    private readonly lastError: () => Error | undefined = () => undefined,
  ) {
    this.k = redisKeys(project);
  }

  /** A failure as an OnlineError naming the store (LoadLockedError and OnlineError pass as they are). */
  private fail(err: unknown): Error {
    if (err instanceof LoadLockedError || err instanceof OnlineError) return err;
    return redisError(err, this.where, this.lastError());
  }

  async begin(views: string[]): Promise<number[]> {
    try {
      return await this.beginLocked(views);
    } catch (err) {
      throw this.fail(err);
    }
  }

  async loaded(): Promise<Map<string, ViewLayout>> {
    try {
      const pointer = await this.redis.hgetall(this.k.pointer);
      const views = Object.keys(pointer);
      if (views.length === 0) return new Map();
      const layouts = await this.redis.hmget(this.k.meta, ...views.map((v) => `v${pointer[v]}`));
      const out = new Map<string, ViewLayout>();
      views.forEach((v, i) => layouts[i] && out.set(v, JSON.parse(layouts[i]) as ViewLayout));
      return out;
    } catch (err) {
      throw this.fail(err);
    }
  }

  private async beginLocked(views: string[]): Promise<number[]> {
    const ok = await this.redis.set(this.k.lock, this.token, "PX", LOCK_MS, "NX");
    if (ok !== "OK") {
      const ttl = await this.redis.pttl(this.k.lock);
      throw new LoadLockedError(
        `another load of this project is running (Redis key ${this.k.lock}, expires in ${Math.ceil(ttl / 1000)} s unless renewed); ` +
          "wait for it to finish, then run 'fcompile load' again",
      );
    }
    this.refresher = setInterval(() => {
      this.redis.eval(REFRESH, 1, this.k.lock, this.token, LOCK_MS).then(
        (r) => (this.lockLost ||= r === 0),
        () => undefined,
      );
    }, LOCK_MS / 3);
    this.refresher.unref();
    await this.removeLeftovers();
    const last = await this.redis.incrby(this.k.seq, views.length);
    this.versions = views.map((_, i) => last - views.length + 1 + i);
    await this.redis.hset(this.k.loading, ...this.versions.flatMap((v) => [String(v), this.token]));
    return this.versions;
  }

  async write(version: number, entries: OnlineEntry[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.lockLost) throw new LoadLockedError("the load lock expired while loading (was Redis unreachable?); run 'fcompile load' again");
    if (entries.length === 0) return;
    const prefix = Buffer.from(this.k.valuePrefix(version));
    // Runs of values without an expiry go as MSETs, runs with one through SET_PXAT; each command
    // holds a few hundred keys, so it keeps Redis from other clients for about a millisecond at most.
    const commands: Command[] = [];
    for (let i = 0; i < entries.length;) {
      const plain = entries[i]!.expireAtMs === undefined;
      const limit = i + (plain ? MSET_KEYS : SET_PXAT_KEYS);
      let j = i + 1;
      while (j < entries.length && j < limit && (entries[j]!.expireAtMs === undefined) === plain) j++;
      commands.push(plain ? msetCommand(prefix, entries, i, j) : setPxatCommand(prefix, entries, i, j));
      i = j;
    }
    // Settled only when every command of the batch is answered: flush() and abort() never race a write.
    const p: Promise<void> = Promise.allSettled(commands.map((c) => this.send(c))).then((results) => {
      for (const r of results) if (r.status === "rejected") this.failure ??= this.fail(r.reason);
    });
    const tracked = p.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    // Keep several batches on the wire: Redis works through them while the next ones are encoded.
    while (this.inflight.size >= (this.opts.maxInflight ?? 16)) await Promise.race(this.inflight);
  }

  async writeLoadedIds(version: number, ids: string[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (ids.length === 0) return;
    const key = `${this.k.loadedIdsPrefix}${version}`;
    const p: Promise<void> = (async () => {
      for (let i = 0; i < ids.length; i += MSET_KEYS * 2) await this.redis.sadd(key, ...ids.slice(i, i + MSET_KEYS * 2));
    })().catch((err: unknown) => void (this.failure ??= this.fail(err)));
    const tracked = p.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    while (this.inflight.size >= (this.opts.maxInflight ?? 16)) await Promise.race(this.inflight);
  }

  private send(command: Command): Promise<unknown> {
    return this.redis.sendCommand(command) as Promise<unknown>;
  }

  async flush(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }

  async commit(layouts: ViewLayout[], services: ServiceCatalog, projectViews: string[]): Promise<{ removed: number; retired: string[] }> {
    try {
      return await this.commitLocked(layouts, services, projectViews);
    } catch (err) {
      throw this.fail(err);
    }
  }

  private async commitLocked(
    layouts: ViewLayout[],
    services: ServiceCatalog,
    projectViews: string[],
  ): Promise<{ removed: number; retired: string[] }> {
    await this.flush();
    const args = layouts.flatMap((l) => [l.view, String(l.version), JSON.stringify(l)]);
    const [old, retired] = (await this.redis.eval(
      COMMIT,
      4,
      this.k.lock,
      this.k.pointer,
      this.k.meta,
      this.k.loading,
      this.token,
      JSON.stringify(services),
      JSON.stringify(projectViews),
      ...args,
    )) as [string[], string[]];
    this.versions = [];
    // Reads that fetched the old pointer just before the switch may still be reading old values.
    await new Promise((r) => setTimeout(r, this.opts.graceMs));
    const removed = await this.removeVersions(new Set(old.map(Number)));
    await trimPushed(this.redis, this.project, layouts);
    await removePushed(this.redis, this.project, [...retired, ...layouts.filter((l) => !l.push).map((l) => l.view)]);
    await removePushedIds(this.redis, this.project, dedupedSources((await this.loaded()).values()));
    return { removed, retired };
  }

  async abort(): Promise<void> {
    if (this.versions.length > 0) {
      await this.removeVersions(new Set(this.versions)).catch(() => undefined);
      this.versions = [];
    }
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    await this.redis.eval(RELEASE, 1, this.k.lock, this.token).catch(() => undefined);
    this.redis.disconnect();
  }

  /** Versions that no pointer names: left by a load that died (still marked loading) or by an interrupted cleanup. */
  private async removeLeftovers(): Promise<void> {
    const [loading, metaFields, pointer] = await Promise.all([
      this.redis.hkeys(this.k.loading),
      this.redis.hkeys(this.k.meta),
      this.redis.hvals(this.k.pointer),
    ]);
    const current = new Set(pointer.map(Number));
    const stale = new Set(
      [...loading.map(Number), ...metaFields.filter((f) => /^v\d+$/.test(f)).map((f) => Number(f.slice(1)))].filter((v) => !current.has(v)),
    );
    if (stale.size > 0) await this.removeVersions(stale);
  }

  /** Deletes every value key of these versions (one SCAN of the project's keys), then their bookkeeping. */
  private async removeVersions(versions: Set<number>): Promise<number> {
    if (versions.size === 0) return 0;
    const prefix = this.k.valuePrefix(0).replace(/v0:$/, "v");
    let removed = 0;
    const stream = this.redis.scanStream({ match: `${prefix}*`, count: 5000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      const doomed = keys.filter((key) => versions.has(Number(key.slice(prefix.length, key.indexOf(":", prefix.length)))));
      if (doomed.length > 0) removed += await this.redis.unlink(...doomed);
    }
    const list = [...versions].map(String);
    // The loaded ids of each version (not counted as values).
    await this.redis.unlink(...list.map((v) => `${this.k.loadedIdsPrefix}${v}`));
    await this.redis.hdel(this.k.meta, ...list.map((v) => `v${v}`));
    await this.redis.hdel(this.k.loading, ...list);
    return removed;
  }
}

/** `MSET k1 v1 k2 v2 …` of `entries[from … to)` (keys under `prefix`), as one command: atomic, one reply. */
function msetCommand(prefix: Uint8Array, entries: readonly OnlineEntry[], from: number, to: number): Command {
  const n = to - from;
  const keyBytes = new Array<number>(n);
  let size = 3 + digits(1 + 2 * n) + 10;
  for (let i = 0; i < n; i++) {
    const e = entries[from + i]!;
    const k = byteLength(e.key);
    keyBytes[i] = k;
    size += bulkSize(prefix.length + k) + bulkSize(e.value.byteLength);
  }
  const out = Buffer.allocUnsafe(size);
  let p = writeHeader(out, 0, 0x2a, 1 + 2 * n);
  p += out.write("$4\r\nMSET\r\n", p, "latin1");
  for (let i = 0; i < n; i++) {
    const e = entries[from + i]!;
    p = writeKey(out, p, prefix, e.key, keyBytes[i]!);
    p = writeBulk(out, p, e.value);
  }
  if (p !== size) throw new Error(`internal error: MSET of ${p} bytes, ${size} expected`);
  return new PrebuiltCommand("mset", out);
}

/**
 * `EVAL SET_PXAT n k1 … kn v1 t1 … vn tn` for `entries[from … to)`, as one command. The script
 * travels with each call (EVAL, not EVALSHA): a hundred bytes per few hundred keys, and no
 * NOSCRIPT to recover from if the script cache is flushed during a load.
 */
function setPxatCommand(prefix: Uint8Array, entries: readonly OnlineEntry[], from: number, to: number): Command {
  const n = to - from;
  const keyBytes = new Array<number>(n);
  const expiry = new Array<string>(n);
  let size = 3 + digits(3 + 3 * n) + 10 + bulkSize(SET_PXAT.length) + bulkSize(digits(n));
  for (let i = 0; i < n; i++) {
    const e = entries[from + i]!;
    keyBytes[i] = byteLength(e.key);
    expiry[i] = String(Math.floor(e.expireAtMs!));
    size += bulkSize(prefix.length + keyBytes[i]!) + bulkSize(e.value.byteLength) + bulkSize(expiry[i]!.length);
  }
  const out = Buffer.allocUnsafe(size);
  let p = writeHeader(out, 0, 0x2a, 3 + 3 * n);
  p += out.write("$4\r\nEVAL\r\n", p, "latin1");
  p = writeHeader(out, p, 0x24, SET_PXAT.length);
  p += out.write(`${SET_PXAT}\r\n`, p, "latin1");
  p = writeHeader(out, p, 0x24, digits(n));
  p += out.write(`${n}\r\n`, p, "latin1");
  for (let i = 0; i < n; i++) p = writeKey(out, p, prefix, entries[from + i]!.key, keyBytes[i]!);
  for (let i = 0; i < n; i++) {
    p = writeBulk(out, p, entries[from + i]!.value);
    p = writeHeader(out, p, 0x24, expiry[i]!.length);
    p += out.write(expiry[i]!, p, "latin1");
    out[p++] = 13;
    out[p++] = 10;
  }
  if (p !== size) throw new Error(`internal error: EVAL of ${p} bytes, ${size} expected`);
  return new PrebuiltCommand("eval", out);
}
