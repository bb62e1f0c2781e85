/**
 * The Redis reader writes HMGET (the pointer) and MGET (the values) as one buffer and takes the
 * second reply with a command that writes nothing; ioredis resends unanswered commands after a
 * reconnect. Here a TCP proxy on loopback cuts the connection inside a read's replies — between
 * the two replies above all, and at random bytes — many times over, and every read must either
 * fail with a typed error or return exactly the right values: a reply is never paired with the
 * wrong request, on this read or any later one.
 */
import { createServer, connect } from "node:net";
import type { Server, Socket } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOnlineClient, OnlineError } from "../src/client/index.js";
import type { OnlineClient } from "../src/client/index.js";
import { encodeValue } from "../src/online/codec.js";
import type { ViewLayout } from "../src/online/layout.js";
import { RedisWriter } from "../src/online/redis/writer.js";
import { REDIS_URL, deleteProjectKeys, testProject } from "./helpers/redis.js";

const ENTITIES = 500;
const ITERATIONS = 150;
const value = (id: number): bigint => BigInt(id) * 7n + 3n;

/** A loopback proxy to the test Redis that can cut every connection after a given number of reply bytes. */
class CuttingProxy {
  private server!: Server;
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Reply bytes still to forward before the cut; undefined = no cut armed. */
  private budget: number | undefined;
  cuts = 0;
  port = 0;

  async start(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      const pair: [Socket, Socket] = [client, upstream];
      this.pairs.add(pair);
      const drop = (): void => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on("data", (d: Buffer) => upstream.write(d));
      upstream.on("data", (d: Buffer) => {
        if (this.budget === undefined) return void client.write(d);
        if (d.length <= this.budget) {
          this.budget -= d.length;
          return void client.write(d);
        }
        // Forward exactly `budget` bytes of the replies, then drop the connection.
        const head = d.subarray(0, this.budget);
        this.budget = undefined;
        this.cuts++;
        if (head.length > 0) client.write(head, drop);
        else drop();
      });
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Cuts the connection once `bytes` more reply bytes have been forwarded. */
  arm(bytes: number): void {
    this.budget = bytes;
  }

  disarm(): void {
    this.budget = undefined;
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise((r) => this.server.close(r));
  }
}

describe("Redis reads while the connection is cut between replies", () => {
  const project = testProject("t_reconnect");
  const proxy = new CuttingProxy();
  let client: OnlineClient;
  let version: number;

  beforeAll(async () => {
    // Load ENTITIES values of one view through the real writer: entity i holds 7i + 3.
    const writer = new RedisWriter(new Redis(REDIS_URL), project, { graceMs: 0 });
    const [v] = await writer.begin(["v"]);
    version = v!;
    const entries = Array.from({ length: ENTITIES }, (_, i) => ({
      key: String(i),
      value: encodeValue(["int64"], 1_000_000n, [value(i)]),
    }));
    await writer.write(version, entries);
    const layout: ViewLayout = {
      view: "v",
      version,
      keys: ["id"],
      keyTypes: ["int64"],
      features: [["x", "int64"]],
      ttlSeconds: null,
      end: "2025-01-01 00:00:00",
      loadedAt: new Date().toISOString(),
      rows: ENTITIES,
    };
    await writer.commit([layout], { svc: [["v", "x"]] }, ["v"]);
    await writer.close();
    await proxy.start();
    client = await createOnlineClient({ project, store: { type: "redis", url: `redis://127.0.0.1:${proxy.port}/0` }, timeoutMs: 400 });
  });
  afterAll(async () => {
    await client?.close();
    await proxy.stop();
    await deleteProjectKeys(project);
  });

  /** Reads `ids` and checks every value; returns false when the read failed with a typed, retryable error. */
  async function readChecked(ids: number[]): Promise<boolean> {
    let r;
    try {
      r = await client.getOnlineFeatureColumns({ features: ["v:x"], entityRows: ids.map((id) => ({ id })) });
    } catch (e) {
      expect(e, String(e)).toBeInstanceOf(OnlineError);
      expect(["UNAVAILABLE", "TIMEOUT"], (e as Error).message).toContain((e as OnlineError).code);
      return false;
    }
    expect(r.columns.x!.statuses).toEqual(ids.map(() => "PRESENT"));
    expect([...(r.columns.x!.values as BigInt64Array)]).toEqual(ids.map(value));
    return true;
  }

  /** Reads until a read succeeds (the client reconnects by itself). */
  async function readUntilOk(ids: number[]): Promise<void> {
    for (let i = 0; i < 100; i++) if (await readChecked(ids)) return;
    throw new Error("reads never succeeded again after a cut");
  }

  it("never pairs a reply with the wrong request, across many cuts between and inside the replies", async () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const sample = (): number[] => Array.from({ length: 1 + random(40) }, () => random(ENTITIES));
    // Warm up: the client learns the layout, so each read below is one HMGET + one MGET.
    await readUntilOk([1, 2, 3]);
    // The HMGET reply for one view is `*1\r\n$<digits>\r\n<version>\r\n`: a cut right after it falls between the two replies.
    const pointerReply = 4 + 1 + String(String(version).length).length + 2 + String(version).length + 2;
    let between = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const ids = sample();
      // Each value reply is 20 bytes (`$17\r\n` + 17 bytes + `\r\n`) under a `*<n>\r\n` header.
      const total = pointerReply + 3 + String(ids.length).length + 22 * ids.length;
      const cutAt = i % 2 === 0 ? pointerReply : random(total);
      if (cutAt === pointerReply) between++;
      await client.ping().catch(() => undefined);
      proxy.arm(cutAt);
      await readChecked(ids);
      proxy.disarm();
      // The reads after a cut, once reconnected, answer every entity with its own value.
      await readUntilOk(sample());
      await readUntilOk(sample());
    }
    expect(between).toBeGreaterThanOrEqual(ITERATIONS / 2);
    expect(proxy.cuts).toBeGreaterThanOrEqual(ITERATIONS * 0.9);
  }, 120_000);
});
