import { Command } from "ioredis";
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
    if (views.length === 0) return { current: [], values: [] };
    // HMGET pointer views… then MGET keys…, written to the socket as one piece of RESP built here:
    // one write and two replies, like an ioredis pipeline without its per-read objects.
    let resp = `*${2 + views.length}\r\n$5\r\nHMGET\r\n${bulk(this.k.pointer)}`;
    for (const v of views) resp += bulk(v);
    let n = 0;
    let mget = "";
    for (let i = 0; i < versions.length; i++) {
      const v = versions[i];
      if (v === undefined) continue;
      const prefix = this.k.valuePrefix(v);
      for (const key of keys[i]!) mget += bulk(prefix + key);
      n += keys[i]!.length;
    }
    if (n > 0) resp += `*${n + 1}\r\n$4\r\nMGET\r\n${mget}`;
    const pointer = new PrebuiltCommand("hmget", resp, "utf8");
    const values = n > 0 ? new PrebuiltCommand("mget", "") : undefined;
    // ioredis's own per-command timer (no extra timer or promise race): the read ends within the timeout.
    pointer.setTimeout(this.timeoutMs);
    values?.setTimeout(this.timeoutMs);
    let ptr: (string | null)[];
    let all: (Buffer | null)[] | undefined;
    try {
      [ptr, all] = (await Promise.all([this.redis.sendCommand(pointer), values && this.redis.sendCommand(values)])) as [
        (string | null)[],
        (Buffer | null)[] | undefined,
      ];
    } catch (err) {
      throw this.storeError(err);
    }
    const current = ptr.map((v) => (v === null ? undefined : Number(v)));
    let p = 0;
    const out = versions.map((v, i) => (v === undefined ? keys[i]!.map(() => null) : keys[i]!.map(() => all![p++] ?? null)));
    return { current, values: out };
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
      timer = setTimeout(() => reject(this.timeoutError()), this.timeoutMs);
    });
    return Promise.race([p, timeout])
      .catch((err: unknown) => {
        throw this.storeError(err);
      })
      .finally(() => clearTimeout(timer));
  }

  private timeoutError(): OnlineError {
    return new OnlineError("TIMEOUT", `online store did not answer within ${this.timeoutMs} ms (Redis ${this.redis.status})`);
  }

  private storeError(err: unknown): OnlineError {
    if (err instanceof Error && err.message === "Command timed out") return this.timeoutError();
    return storeError(err);
  }
}

/**
 * A command whose RESP is written as given (a string built by the caller). A command given ""
 * writes nothing and only takes the next reply: the second command of a piece of RESP.
 */
class PrebuiltCommand extends Command {
  constructor(
    name: string,
    private readonly resp: string,
    replyEncoding?: "utf8",
  ) {
    super(name, [], { replyEncoding });
  }

  override toWritable(): string {
    return this.resp;
  }
}

/** A RESP bulk string; its length is in UTF-8 bytes (keys are mostly ASCII: counted without a call into C++). */
function bulk(s: string): string {
  let len = s.length;
  for (let i = 0; i < s.length; i++)
    if (s.charCodeAt(i) >= 0x80) {
      len = Buffer.byteLength(s, "utf8");
      break;
    }
  return `$${len}\r\n${s}\r\n`;
}

function storeError(err: unknown): OnlineError {
  if (err instanceof OnlineError) return err;
  const msg = (err as Error).message ?? String(err);
  if (/timed out/i.test(msg)) return new OnlineError("TIMEOUT", `online store: ${msg}`, { cause: err });
  if (/ECONNREFUSED|Connection is closed|max retries|stream isn't writeable|ENOTFOUND|ECONNRESET/i.test(msg))
    return new OnlineError("UNAVAILABLE", `online store (Redis) is unavailable: ${msg}`, { cause: err });
  return new OnlineError("STORE", `online store (Redis): ${msg}`, { cause: err });
}
