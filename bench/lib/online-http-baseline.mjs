// The HTTP baseline of the online benchmark: `node bench/lib/online-http-baseline.mjs URL PROJECT VIEW`.
// The same framework as `fcompile serve` (fastify, default settings) answering the same
// POST /get-online-features body with one raw ioredis GET of the entity's packed value, returned
// as base64 in a small JSON object: no request schema, no decoding, no per-feature statuses. It
// is the floor of "HTTP + one Redis read" that the real server is compared with.
// Prints `listening on <url>` when it is ready; SIGTERM stops it.
import Fastify from "fastify";
import { Redis } from "ioredis";

const [url, project, view] = process.argv.slice(2);
// The online client's connection options (openRedisReader in src/online/redis/reader.ts).
const redis = new Redis(url, {
  lazyConnect: false,
  commandTimeout: 1000,
  connectTimeout: 1000,
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 1000),
});
redis.on("error", () => undefined);
const version = await redis.hget(`fc:${project}:pointer`, view);
if (version === null) throw new Error(`view ${view} of ${project} is not loaded`);
const prefix = `fc:${project}:v${version}:`;

const app = Fastify({ logger: false });
app.post("/get-online-features", async (req, reply) => {
  const [key] = Object.values(req.body.entities);
  const value = await redis.getBuffer(prefix + key[0]);
  return reply.type("application/json; charset=utf-8").send(`{"value":${value ? `"${value.toString("base64")}"` : "null"}}`);
});
const address = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`listening on ${address}\n`);
process.on("SIGTERM", async () => {
  await app.close();
  redis.disconnect();
});
