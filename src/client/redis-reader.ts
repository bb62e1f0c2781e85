import type { Redis } from "ioredis";
import { redisKeys } from "../online/layout.js";
import type { ServiceCatalog, ViewLayout } from "../online/layout.js";
import type { StoreReader } from "./store-reader.js";
import { OnlineError } from "./store-reader.js";

/** Reads the Redis layout of README "Online store layout": HMGET of the pointer and MGET of the values, one pipeline. */
export class RedisReader implements StoreReader {
  private readonly k: ReturnType<typeof redisKeys>;

  constructor(
    private readonly redis: Redis,
    project: string,
    private readonly timeoutMs: number,
  ) {
    this.k = redisKeys(project);
  }

  async read(
    views: readonly string[],
    versions: readonly (number | undefined)[],
    keys: readonly (readonly string[])[],
  ): Promise<{ current: (number | undefined)[]; values: (Uint8Array | null)[][] }> {
    const flat: string[] = [];
    versions.forEach((v, i) => {
      if (v === undefined) return;
      const prefix = this.k.valuePrefix(v);
      for (const key of keys[i]!) flat.push(prefix + key);
    });
    const pipe = this.redis.pipeline().hmget(this.k.pointer, ...views);
    if (flat.length > 0) pipe.mgetBuffer(...flat);
    const res = await this.guard(pipe.exec());
    const [ptrErr, ptr] = res![0]!;
    if (ptrErr) throw storeError(ptrErr);
    const current = (ptr as (string | null)[]).map((v) => (v === null ? undefined : Number(v)));
    const got = flat.length > 0 ? res![1]! : [null, []];
    if (got[0]) throw storeError(got[0]);
    const all = got[1] as (Buffer | null)[];
    let p = 0;
    const values = versions.map((v, i) => (v === undefined ? keys[i]!.map(() => null) : keys[i]!.map(() => all[p++] ?? null)));
    return { current, values };
  }

  async layouts(versions: readonly number[]): Promise<ViewLayout[]> {
    if (versions.length === 0) return [];
    const raw = await this.guard(this.redis.hmget(this.k.meta, ...versions.map((v) => `v${v}`)));
    return raw.map((j, i) => {
      if (j === null) throw new OnlineError("STORE", `the online store has no layout for version ${versions[i]} (was it cleaned up?)`);
      return JSON.parse(j) as ViewLayout;
    });
  }

  async services(): Promise<ServiceCatalog> {
    const j = await this.guard(this.redis.hget(this.k.meta, "services"));
    return j ? (JSON.parse(j) as ServiceCatalog) : {};
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Every call ends within the timeout, whatever the connection is doing. */
  private guard<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new OnlineError("TIMEOUT", `online store did not answer within ${this.timeoutMs} ms (Redis ${this.redis.status})`)),
        this.timeoutMs,
      );
    });
    return Promise.race([p, timeout])
      .catch((err: unknown) => {
        throw storeError(err);
      })
      .finally(() => clearTimeout(timer));
  }
}

function storeError(err: unknown): OnlineError {
  if (err instanceof OnlineError) return err;
  const msg = (err as Error).message ?? String(err);
  if (/timed out/i.test(msg)) return new OnlineError("TIMEOUT", `online store: ${msg}`, { cause: err });
  if (/ECONNREFUSED|Connection is closed|max retries|stream isn't writeable|ENOTFOUND|ECONNRESET/i.test(msg))
    return new OnlineError("UNAVAILABLE", `online store (Redis) is unavailable: ${msg}`, { cause: err });
  return new OnlineError("STORE", `online store (Redis): ${msg}`, { cause: err });
}
