#!/usr/bin/env node
// Benchmark dispatcher: `node bench/run.mjs <name> [args…]` runs bench/<name>.mjs;
// with no name it lists the benchmarks. `npm run bench -- pit --scale 0.1` builds first.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { BENCH_DIR, machineLine } from "./lib/common.mjs";

const benches = readdirSync(BENCH_DIR)
  .filter((f) => f.endsWith(".mjs") && f !== "run.mjs")
  .map((f) => f.slice(0, -4))
  .sort();

const describe = (name) => {
  const text = readFileSync(path.join(BENCH_DIR, `${name}.mjs`), "utf8");
  const m = text.match(/^\/\/ (.*)$/m);
  return m ? m[1].replace(/^[\w-]+: /, "") : "";
};

const [name, ...args] = process.argv.slice(2);
console.log(`machine: ${machineLine()}`);
if (!name || name === "--help" || name === "-h") {
  console.log("\nusage: node bench/run.mjs <benchmark> [args…]   (or: npm run bench -- <benchmark> [args…])\n");
  for (const b of benches) console.log(`  ${b.padEnd(14)} ${describe(b)}`);
  process.exit(0);
}
if (!benches.includes(name)) {
  console.error(`unknown benchmark '${name}'; known: ${benches.join(", ")}`);
  process.exit(2);
}
const mod = await import(pathToFileURL(path.join(BENCH_DIR, `${name}.mjs`)).href);
await mod.main(args);
