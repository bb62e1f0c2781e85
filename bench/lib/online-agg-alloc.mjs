// Heap allocated per 100-entity read of the online-agg projects, by shape:
// `node --max-semi-space-size=256 --min-semi-space-size=256 bench/lib/online-agg-alloc.mjs [density] [redis-url]`
// after `npm run bench -- online-agg --parts read --densities <density> --keep` (it reads the
// projects fcbench_oagg_d<density> and fcbench_oagg_d<density>_plain that the benchmark loaded). As
// bench/lib/online-read-alloc.mjs: the young generation is large enough that nothing is collected
// while measuring, so the growth of the used heap over 200 reads is what they allocated. Prints one
// line per shape: heap bytes per read, median of 5 repeats.
import v8 from "node:v8";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const density = process.argv[2] ?? "10";
const url = process.argv[3] ?? "redis://127.0.0.1:6379/0";
const { createOnlineClient } = await import(pathToFileURL(path.join(REPO_DIR, "dist/client/index.js")).href);
const open = (project) => createOnlineClient({ project, store: { type: "redis", url }, timeoutMs: 5000 });
const agg = await open(`fcbench_oagg_d${density}`);
const plain = await open(`fcbench_oagg_d${density}_plain`);
const at = new Date("2026-01-01T00:00:00Z");
const entityRows = Array.from({ length: 100 }, (_, i) => ({ customer_id: 1 + i * 997 }));
const shapes = {
  "aggregation, columns": () => agg.getOnlineFeatureColumns({ service: "bench_model", entityRows, at }),
  "aggregation, rows": () => agg.getOnlineFeatures({ service: "bench_model", entityRows, at }),
  "plain view, columns": () => plain.getOnlineFeatureColumns({ service: "bench_model", entityRows, at }),
  "plain view, rows": () => plain.getOnlineFeatures({ service: "bench_model", entityRows, at }),
};
for (const f of Object.values(shapes)) for (let i = 0; i < 300; i++) await f();
for (const [name, f] of Object.entries(shapes)) {
  const heap = [];
  for (let rep = 0; rep < 5; rep++) {
    const h0 = v8.getHeapStatistics().used_heap_size;
    for (let i = 0; i < 200; i++) await f();
    heap.push((v8.getHeapStatistics().used_heap_size - h0) / 200);
  }
  // A repeat during which something was collected shows a drop: only the others count.
  const ok = heap.filter((x) => x >= 0).sort((a, b) => a - b);
  console.log(`${name}: heap ${ok.length ? Math.round(ok[ok.length >> 1]) : NaN} B/read (median of ${ok.length} repeats)`);
}
await agg.close();
await plain.close();
