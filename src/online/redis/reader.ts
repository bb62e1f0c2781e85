import { Redis } from "ioredis";
import { redisKeys } from "../layout.js";
import {
  PrebuiltCommand,
  bulkSize,
  byteLength,
  digits,
  intBulkSize,
  writeBulk,
  writeBytes,
  writeHeader,
  writeInt,
  writeKey,
  writeText,
} from "../resp.js";
import type { ServiceCatalog, ViewLayout } from "../layout.js";
import type { PushOutcome, StoreReader } from "../store-reader.js";
import type { EncodedPush } from "../push/encode.js";
import { PUSH_SCRIPT } from "./push-script.js";
import { OnlineError } from "../store-reader.js";
import { redisError } from "./errors.js";
import { DEFAULT_REDIS_URL, redactRedisUrl } from "./url.js";

const PUSH_SCRIPT_BYTES = Buffer.from(PUSH_SCRIPT, "utf8");

/**
 * Connects a reader to Redis (lazily: commands wait for the connection, up to the timeout). It
 * reconnects by itself, backing off to 1 s: reads fail fast while Redis is away and work again
 * when it is back.
 */
export function openRedisReader(url: string | undefined, project: string, timeoutMs: number): RedisReader {
  const redis = new Redis(url ?? DEFAULT_REDIS_URL, {
    lazyConnect: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  return new RedisReader(redis, project, timeoutMs, redactRedisUrl(url));
}

/** Reads the Redis layout of README "Online store layout": HMGET of the pointer and MGET of the values, one pipeline. */
export class RedisReader implements StoreReader {
  private readonly k: ReturnType<typeof redisKeys>;
  /** The connection's latest error (surfaced by the reads that fail because of it). */
  private lastConnectionError: Error | undefined;

  /** Bytes of `HMGET pointer views…` per list of views, and of each version's key prefix (few: kept). */
  private readonly hmgets = new Map<string, Buffer>();
  private readonly prefixes = new Map<number, Buffer>();
  private readonly pushPrefixes = new Map<string, Buffer>();
  /** Each key's UTF-8 length, between sizing a read's buffer and writing it (no await in between; kept, not truncated, so it is not reallocated). */
  private readonly keyBytes: number[] = [];

  constructor(
    private readonly redis: Redis,
    project: string,
    private readonly timeoutMs: number,
    readonly where = "Redis",
  ) {
    this.k = redisKeys(project);
    redis.on("error", (err: Error) => (this.lastConnectionError = err));
    redis.on("ready", () => (this.lastConnectionError = undefined));
  }

  private hmget(views: readonly string[]): Buffer {
    const id = views.join("\u0000");
    let b = this.hmgets.get(id);
    if (!b) {
      let resp = `*${2 + views.length}\r\n$5\r\nHMGET\r\n${bulk(this.k.pointer)}`;
      for (const v of views) resp += bulk(v);
      if (this.hmgets.size >= 1000) this.hmgets.clear();
      this.hmgets.set(id, (b = Buffer.from(resp, "utf8")));
    }
    return b;
  }

  private prefix(version: number): Buffer {
    let b = this.prefixes.get(version);
    if (!b) {
      if (this.prefixes.size >= 1000) this.prefixes.clear();
      this.prefixes.set(version, (b = Buffer.from(this.k.valuePrefix(version), "utf8")));
    }
    return b;
  }

  private pushPrefix(view: string): Buffer {
    let b = this.pushPrefixes.get(view);
    if (!b) {
      if (this.pushPrefixes.size >= 1000) this.pushPrefixes.clear();
      this.pushPrefixes.set(view, (b = Buffer.from(this.k.pushPrefix(view), "utf8")));
    }
    return b;
  }

  async read(
    views: readonly string[],
    versions: readonly (number | undefined)[],
    keys: readonly (readonly string[])[],
    pushed?: readonly boolean[],
  ): Promise<{ current: (number | undefined)[]; values: (Uint8Array | null)[][]; pushed?: (Uint8Array | null)[][] }> {
    if (views.length === 0) return { current: [], values: [] };
    // HMGET pointer views… then MGET keys…, written to the socket as one buffer of RESP built here:
    // one write and two replies, like an ioredis pipeline without its per-read objects, and with
    // no string to flatten and encode (what most of the time of a plain ioredis MGET goes to).
    const head = this.hmget(views);
    const keyBytes = this.keyBytes;
    let n = 0;
    let size = head.length;
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i];
      if (v === undefined) continue;
      const prefixLen = this.prefix(v).length;
      const ks = keys[i]!;
      for (let j = 0; j < ks.length; j++) size += bulkSize(prefixLen + (keyBytes[n + j] = byteLength(ks[j]!)));
      n += ks.length;
    }
    // Pushed entries of the same keys (views over a push source), after all the values: the same MGET.
    const values = n;
    if (pushed)
      for (let i = 0; i < versions.length; i++) {
        if (versions[i] === undefined || !pushed[i]) continue;
        const prefixLen = this.pushPrefix(views[i]!).length;
        const ks = keys[i]!;
        for (let j = 0; j < ks.length; j++) size += bulkSize(prefixLen + (keyBytes[n + j] = byteLength(ks[j]!)));
        n += ks.length;
      }
    if (n > 0) size += 3 + digits(n + 1) + bulkSize(4); // *<n+1>\r\n $4\r\nMGET\r\n
    // A fresh buffer each read: the socket may still hold the previous one.
    const buf = Buffer.allocUnsafe(size);
    buf.set(head, 0);
    let p = head.length;
    if (n > 0) {
      p = writeHeader(buf, p, 0x2a, n + 1);
      p += buf.write("$4\r\nMGET\r\n", p, "latin1");
      let k = 0;
      for (let i = 0; i < versions.length; i++) {
        const v = versions[i];
        if (v === undefined) continue;
        const prefix = this.prefix(v);
        const ks = keys[i]!;
        for (let j = 0; j < ks.length; j++) p = writeKey(buf, p, prefix, ks[j]!, keyBytes[k++]!);
      }
      if (pushed)
        for (let i = 0; i < versions.length; i++) {
          if (versions[i] === undefined || !pushed[i]) continue;
          const prefix = this.pushPrefix(views[i]!);
          const ks = keys[i]!;
          for (let j = 0; j < ks.length; j++) p = writeKey(buf, p, prefix, ks[j]!, keyBytes[k++]!);
        }
    }
    if (p !== size) throw new Error(`internal error: a read of ${p} bytes, ${size} expected`);
    const pointer = new PrebuiltCommand("hmget", buf, "utf8");
    const mget = n > 0 ? new PrebuiltCommand("mget", EMPTY) : undefined;
    // The two commands are one pipeline to ioredis: if the connection drops after the first reply,
    // ioredis rejects the second instead of resending it after the reconnect, where it would
    // write nothing and take the reply meant for the next command (test/online-redis-reconnect.test.ts).
    // Dropped before the first reply, both are resent, and the first one's bytes hold both commands.
    if (mget) {
      pointer.pipelineIndex = 0;
      mget.pipelineIndex = 1;
    }
    // ioredis's own per-command timer (no extra timer or promise race): the read ends within the timeout.
    pointer.setTimeout(this.timeoutMs);
    mget?.setTimeout(this.timeoutMs);
    let ptr: (string | null)[];
    let all: (Buffer | null)[] | undefined;
    try {
      [ptr, all] = (await Promise.all([this.redis.sendCommand(pointer), mget && this.redis.sendCommand(mget)])) as [
        (string | null)[],
        (Buffer | null)[] | undefined,
      ];
    } catch (err) {
      throw this.storeError(err);
    }
    const current = ptr.map((v) => (v === null ? undefined : Number(v)));
    // One view (the usual case): the reply is the answer as it is.
    if (views.length === 1 && all && values === n) return { current, values: [all] };
    let next = 0;
    const out = versions.map((v, i) => (v === undefined ? keys[i]!.map(() => null) : keys[i]!.map(() => all![next++] ?? null)));
    if (values === n) return { current, values: out };
    const push = versions.map((v, i) =>
      v === undefined || !pushed![i] ? keys[i]!.map(() => null) : keys[i]!.map(() => all![next++] ?? null),
    );
    return { current, values: out, pushed: push };
  }

  private pushConnection: Redis | undefined;

  /**
   * The connection pushes go through: never resends a command after a reconnect (a push whose
   * reply was lost may have been applied: resending it would apply it twice; the caller retries,
   * idempotent with a dedupe_key), and gives a push ten times a read's time.
   */
  private pusher(): Redis {
    this.pushConnection ??= this.redis.duplicate({ autoResendUnfulfilledCommands: false, commandTimeout: this.timeoutMs * 10 });
    return this.pushConnection;
  }

  async pointers(): Promise<Map<string, number>> {
    const all = await this.guard(this.redis.hgetall(this.k.pointer));
    return new Map(Object.entries(all).map(([v, n]) => [v, Number(n)]));
  }

  /** One EVAL of PUSH_SCRIPT (src/online/redis/push-script.ts): all of the step or nothing. */
  async pushBatch(batch: EncodedPush): Promise<PushOutcome> {
    const { targets } = batch;
    const nv = targets.length;
    // The EVAL's RESP bytes are written directly (sized first, one buffer), as loads do (src/online/resp.ts).
    const head: string[] = [this.k.pointer, this.k.newest, this.k.pushedIds(batch.source)];
    const prefixes = targets.map((t) => this.pushPrefix(t.view));
    const headArgs: string[] = [
      String(nv),
      String(batch.n),
      this.k.valuePrefix(0).slice(0, -2),
      batch.dedupe ? "1" : "0",
      batch.trimIds ? "1" : "0",
      this.k.loadedIdsPrefix,
    ];
    targets.forEach((t, j) =>
      headArgs.push(
        t.view,
        String(t.version),
        String(t.end),
        t.kind === "aggregation" ? "a" : "p",
        t.lateness === null ? "" : String(t.lateness),
        String(prefixes[j]!.length),
      ),
    );
    const now = Date.now();
    const { n, ids, ts, keys, bytes, starts } = batch;
    // Expiry (Unix ms) per entry of a plain view with a ttl; 0 none.
    const ttls = targets.some((t) => t.ttlMs !== null) ? new Float64Array(n * nv) : undefined;
    const keyBytes = this.keyBytes;
    const nKeys = head.length + n * nv;
    let size = bulkSize(4) + bulkSize(PUSH_SCRIPT_BYTES.length) + bulkSize(digits(nKeys));
    for (const h of head) size += bulkSize(byteLength(h));
    for (const a of headArgs) size += bulkSize(byteLength(a));
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      size += bulkSize(id === null ? 0 : byteLength(id!)) + intBulkSize(ts[i]!);
      for (let j = 0; j < nv; j++) {
        const x = i * nv + j;
        const ttl = targets[j]!.ttlMs;
        if (ttls && ttl !== null) {
          const t = ts[i]!;
          ttls[x] = Math.floor(Math.max(now, (t - (t % 1000)) / 1000) + ttl + 3_600_000);
        }
        keyBytes[x] = byteLength(keys[x]!);
        size +=
          bulkSize(prefixes[j]!.length + keyBytes[x]!) +
          bulkSize(starts[x + 1]! - starts[x]!) +
          (ttls ? intBulkSize(ttls[x]!) : bulkSize(1));
      }
    }
    const count = 3 + nKeys + headArgs.length + n * (2 + 2 * nv);
    size += 3 + digits(count);
    const out = Buffer.allocUnsafe(size);
    let p = writeHeader(out, 0, 0x2a, count);
    p += out.write("$4\r\nEVAL\r\n", p, "latin1");
    p = writeBulk(out, p, PUSH_SCRIPT_BYTES);
    p = writeText(out, p, String(nKeys));
    for (const h of head) p = writeText(out, p, h);
    for (let x = 0; x < n * nv; x++) p = writeKey(out, p, prefixes[x % nv]!, keys[x]!, keyBytes[x]!);
    for (const a of headArgs) p = writeText(out, p, a);
    for (let i = 0; i < n; i++) {
      p = writeText(out, p, ids[i] ?? "");
      p = writeInt(out, p, ts[i]!);
      for (let j = 0; j < nv; j++) {
        const x = i * nv + j;
        p = writeBytes(out, p, bytes, starts[x]!, starts[x + 1]!);
        p = writeInt(out, p, ttls ? ttls[x]! : 0);
      }
    }
    if (p !== size) throw new Error(`internal error: push EVAL of ${p} bytes, ${size} expected`);
    let reply: unknown[];
    try {
      reply = (await this.pusher().sendCommand(new PrebuiltCommand("eval", out, "utf8"))) as unknown[];
    } catch (err) {
      throw this.storeError(err);
    }
    if (reply[0] === "stale") return { stale: String(reply[1]) };
    const c = reply as number[];
    return { applied: c.slice(0, nv), late: c.slice(nv, 2 * nv), duplicates: c[2 * nv]! };
  }

  async layouts(versions: readonly number[]): Promise<ViewLayout[]> {
    if (versions.length === 0) return [];
    const raw = await this.guard(this.redis.hmget(this.k.meta, ...versions.map((v) => `v${v}`)));
    return raw.map((j, i) => {
      if (j === null) throw new OnlineError("STORE", `the online store has no layout for version ${versions[i]} (was it cleaned up?)`);
      return JSON.parse(j) as ViewLayout;
    });
  }

  async projects(): Promise<string[] | undefined> {
    return undefined;
  }

  async services(): Promise<ServiceCatalog> {
    const j = await this.guard(this.redis.hget(this.k.meta, "services"));
    return j ? (JSON.parse(j) as ServiceCatalog) : {};
  }

  async ping(): Promise<void> {
    await this.guard(this.redis.ping());
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    this.pushConnection?.disconnect();
  }

  /** Every call ends within the timeout, whatever the connection is doing. */
  private guard<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError()), this.timeoutMs);
    });
    return Promise.race([p, timeout])
      .catch((err: unknown) => {
        throw this.storeError(err);
      })
      .finally(() => clearTimeout(timer));
  }

  /** A read that ran out of time: TIMEOUT, or UNAVAILABLE (with the cause) when the connection is down. */
  private timeoutError(): OnlineError {
    if (this.redis.status !== "ready" && this.lastConnectionError)
      return redisError(new Error("Connection is closed"), this.where, this.lastConnectionError);
    return new OnlineError(
      "TIMEOUT",
      `the online store at ${this.where} did not answer within ${this.timeoutMs} ms (connection ${this.redis.status})`,
    );
  }

  private storeError(err: unknown): OnlineError {
    if (err instanceof Error && err.message === "Command timed out") return this.timeoutError();
    return redisError(err, this.where, this.lastConnectionError);
  }
}

const EMPTY = Buffer.alloc(0);

/** A RESP bulk string; its length is in UTF-8 bytes (keys are mostly ASCII: counted without a call into C++). */
function bulk(s: string): string {
  return `$${byteLength(s)}\r\n${s}\r\n`;
}
