// Heap allocated per 100-entity read, by shape: `node --max-semi-space-size=256 --min-semi-space-size=256
// bench/lib/online-read-alloc.mjs [redis-url]` after `npm run bench -- online --parts read --keep`
// (it reads the project fcbench_online that the benchmark loaded). The young generation is made
// large enough that nothing is collected while measuring, so the growth of the used heap over 200
// reads is what they allocated. Prints one line per shape: heap bytes per read and ArrayBuffer
// bytes (off-heap) per read, medians of 5 repeats.
import v8 from "node:v8";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const url = process.argv[2] ?? "redis://127.0.0.1:6379/0";
const project = "fcbench_online";
const { createOnlineClient } = await import(pathToFileURL(path.join(REPO_DIR, "dist/client/index.js")).href);
const { RedisReader } = await import(pathToFileURL(path.join(REPO_DIR, "dist/online/redis/reader.js")).href);
const { Redis } = await import("ioredis");

const client = await createOnlineClient({ project, store: { type: "redis", url }, timeoutMs: 1000 });
const raw = new Redis(url, { commandTimeout: 1000 });
const readerRedis = new Redis(url, { commandTimeout: 1000 });
const reader = new RedisReader(readerRedis, project, 1000);
const version = Number(await raw.hget(`fc:${project}:pointer`, "stats"));
if (!(version > 0)) throw new Error(`${project} is not loaded: run 'npm run bench -- online --parts read --keep' first`);
const prefix = `fc:${project}:v${version}:`;
const ids = Array.from({ length: 100 }, (_, i) => 1 + i * 7919);
const entityRows = ids.map((id) => ({ customer_id: id }));
const texts = ids.map(String);
const keys = ids.map((id) => prefix + id);
const shapes = {
  "raw MGET (ioredis mgetBuffer)": () => raw.mgetBuffer(keys),
  "RedisReader.read alone": () => reader.read(["stats"], [version], [texts]),
  getOnlineFeatureColumns: () => client.getOnlineFeatureColumns({ service: "bench_model", entityRows }),
  getOnlineFeatures: () => client.getOnlineFeatures({ service: "bench_model", entityRows }),
};
for (const f of Object.values(shapes)) for (let i = 0; i < 300; i++) await f();
for (const [name, f] of Object.entries(shapes)) {
  const heap = [];
  const buffers = [];
  for (let rep = 0; rep < 5; rep++) {
    const h0 = v8.getHeapStatistics().used_heap_size;
    const b0 = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 200; i++) await f();
    heap.push((v8.getHeapStatistics().used_heap_size - h0) / 200);
    buffers.push((process.memoryUsage().arrayBuffers - b0) / 200);
  }
  // A repeat during which something was collected shows a drop: only the others count.
  const median = (xs) => {
    const ok = xs.filter((x) => x >= 0).sort((a, b) => a - b);
    return ok.length ? Math.round(ok[Math.floor(ok.length / 2)]) : NaN;
  };
  console.log(`${name}: heap ${median(heap)} B/read, ArrayBuffers ${median(buffers)} B/read (median of ${heap.length} repeats)`);
}
await client.close();
raw.disconnect();
readerRedis.disconnect();
