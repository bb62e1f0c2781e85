// Heap allocated per 100-entity read of the online-agg projects, by shape:
// `node --max-semi-space-size=256 --min-semi-space-size=256 bench/lib/online-agg-alloc.mjs [density] [redis-url] [--dist DIR]`
// after `npm run bench -- online-agg --parts read --densities <density> --keep` (it reads the
// projects fcbench_oagg_d<density> and fcbench_oagg_d<density>_plain that the benchmark loaded). As
// bench/lib/online-read-alloc.mjs: the young generation is large enough that nothing is collected
// while measuring, so the growth of the used heap over 200 reads is what they allocated. Prints one
// line per shape: heap bytes per read, median of 5 repeats. `--dist DIR`: the compiled client to
// measure (default dist/; e.g. a build of another commit). `--gc` (run without the semi-space
// flags): instead, young-generation collections per 1,000 reads and their total time, with node's
// default young generation, as the benchmark's read child has it: what a read's garbage costs its p99.
import v8 from "node:v8";
import path from "node:path";
import { PerformanceObserver, constants } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { REPO_DIR } from "./common.mjs";

const distAt = process.argv.indexOf("--dist");
const distDir = distAt > 0 ? path.resolve(process.argv[distAt + 1]) : path.join(REPO_DIR, "dist");
const [density = "10", url = "redis://127.0.0.1:6379/0"] = process.argv
  .slice(2)
  .filter((_, i, a) => a[i] !== "--dist" && a[i - 1] !== "--dist" && a[i] !== "--gc");
const gcMode = process.argv.includes("--gc");
const { createOnlineClient } = await import(pathToFileURL(path.join(distDir, "client/index.js")).href);
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
if (gcMode) {
  let minor = 0;
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        minor++;
        ms += e.duration;
      }
  });
  observer.observe({ entryTypes: ["gc"] });
  for (const [name, f] of Object.entries(shapes)) {
    await sleep(50); // the previous shape's entries delivered
    minor = 0;
    ms = 0;
    for (let i = 0; i < 5000; i++) await f();
    await sleep(50);
    console.log(
      `${name}: ${((minor * 1000) / 5000).toFixed(1)} young-generation collections per 1,000 reads, ${(ms / minor).toFixed(2)} ms each`,
    );
  }
  observer.disconnect();
  await agg.close();
  await plain.close();
  process.exit(0);
}
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
