import { randomUUID } from "node:crypto";
import type { ChainableCommander, Redis } from "ioredis";
import { redisKeys } from "./layout.js";
import type { ServiceCatalog, ViewLayout } from "./layout.js";
import { LoadLockedError } from "./online-writer.js";
import type { OnlineEntry, OnlineWriter } from "./online-writer.js";

const LOCK_MS = 30_000;

// Switches every view of a load at once, and only if this load still holds the lock.
// KEYS: lock, pointer, meta, loading. ARGV: token, services JSON, then (view, version, layout JSON)…
const COMMIT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return redis.error_reply('fcompile: the load lock was lost') end
local old = {}
for i = 3, #ARGV, 3 do
  local prev = redis.call('HGET', KEYS[2], ARGV[i])
  if prev then table.insert(old, prev) end
  redis.call('HSET', KEYS[3], 'v' .. ARGV[i + 1], ARGV[i + 2])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  redis.call('HDEL', KEYS[4], ARGV[i + 1])
end
redis.call('HSET', KEYS[3], 'services', ARGV[2])
return old`;
const REFRESH = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Loads into Redis (README "Online store layout"): each view's values under a new version, written
 * in pipelined batches, then the pointer flipped for all views in one script; old versions are
 * removed after a grace period that lets in-flight reads of them finish.
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
    project: string,
    private readonly opts: { graceMs: number; maxInflight?: number },
  ) {
    this.k = redisKeys(project);
  }

  async begin(views: string[]): Promise<number[]> {
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
    const prefix = this.k.valuePrefix(version);
    const pipe: ChainableCommander = this.redis.pipeline();
    for (const e of entries) {
      if (e.expireAtMs !== undefined)
        pipe.set(prefix + e.key, Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength), "PXAT", e.expireAtMs);
      else pipe.set(prefix + e.key, Buffer.from(e.value.buffer, e.value.byteOffset, e.value.byteLength));
    }
    const p: Promise<void> = pipe.exec().then(
      (res) => {
        const err = res?.find((r) => r[0])?.[0];
        if (err) this.failure ??= err;
      },
      (err: Error) => {
        this.failure ??= err;
      },
    );
    const tracked = p.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
    // Keep a few pipelines on the wire: Redis works on one while the next is being encoded.
    while (this.inflight.size >= (this.opts.maxInflight ?? 4)) await Promise.race(this.inflight);
  }

  async flush(): Promise<void> {
    await Promise.all(this.inflight);
    if (this.failure) throw this.failure;
  }

  async commit(layouts: ViewLayout[], services: ServiceCatalog): Promise<{ removed: number }> {
    await this.flush();
    const args = layouts.flatMap((l) => [l.view, String(l.version), JSON.stringify(l)]);
    const old = (await this.redis.eval(
      COMMIT,
      4,
      this.k.lock,
      this.k.pointer,
      this.k.meta,
      this.k.loading,
      this.token,
      JSON.stringify(services),
      ...args,
    )) as string[];
    this.versions = [];
    // Reads that fetched the old pointer just before the switch may still be reading old values.
    await new Promise((r) => setTimeout(r, this.opts.graceMs));
    const removed = await this.removeVersions(new Set(old.map(Number)));
    return { removed };
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
    await this.redis.hdel(this.k.meta, ...list.map((v) => `v${v}`));
    await this.redis.hdel(this.k.loading, ...list);
    return removed;
  }
}
