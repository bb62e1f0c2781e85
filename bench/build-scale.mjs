// build-scale: `fcompile build` of a generated project with 1,000 feature views (CLI end to end and in-process)
//
//   node bench/run.mjs build-scale [--views 1000] [--files 20] [--services 5] [--repeat 5] [--keep]
//
// The project (in a temp folder): 5 entities (one with a composite key), one table source per
// view (a third with a created_timestamp), plain views of 5 to 8 features each with assorted
// ttls, spread over --files definition files, and --services feature services that each pick
// 20 views (half `view:*`, half two named features). The project is lint-clean (every view has an
// owner and freshness, every feature a description), so build prints no finding. Timed: `bin/fcompile build --project DIR`
// in a fresh process (node start-up included), and `build()` from dist/index.js in this process.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_DIR, fmtMs, machine, machineLine, median, parseArgs, table, timeCommand, today } from "./lib/common.mjs";

const ENTITIES = [
  { name: "customer", keys: ["customer_id"] },
  { name: "driver", keys: ["driver_id"] },
  { name: "merchant", keys: ["merchant_id"] },
  { name: "product", keys: ["product_id"] },
  { name: "store_item", keys: ["store_id", "item_id"] },
];
const TTLS = ["1d", "7d", "30d", "90d", "365d", "12h", undefined];
const TYPES = ["float64", "int64", "float64", "int32", "string", "bool", "float32", "int64"];

/** Writes the project; returns its folder and how many views/features/services it has. */
export function generateProject(dir, { views = 1000, files = 20, services = 5 } = {}) {
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    ["name: scale", "target: local", "targets:", "  local:", "    type: duckdb", "    path: warehouse.duckdb", ""].join("\n"),
  );
  const entityYaml = ["entities:", ...ENTITIES.flatMap((e) => [`  - name: ${e.name}`, `    join_keys: [${e.keys.join(", ")}]`])];
  writeFileSync(path.join(dir, "definitions", "entities.yml"), entityYaml.join("\n") + "\n");
  const all = [];
  let features = 0;
  for (let f = 0; f < files; f++) {
    const lines = ["sources:"];
    const viewLines = ["feature_views:"];
    for (let v = f; v < views; v += files) {
      const name = `fv_${String(v).padStart(4, "0")}`;
      const entity = ENTITIES[v % ENTITIES.length];
      const ttl = TTLS[v % TTLS.length];
      const nFeatures = 5 + (v % 4);
      lines.push(`  - name: src_${name}`, `    table: raw.${name}_events`, "    timestamp: event_ts");
      if (v % 3 === 0) lines.push("    created_timestamp: created_ts");
      viewLines.push(
        `  - name: ${name}`,
        `    entities: [${entity.name}]`,
        `    source: src_${name}`,
        ...(ttl ? [`    ttl: ${ttl}`] : []),
        `    owner: team-${v % 7}@example.com`,
        "    freshness: {warn_after: 1d, error_after: 3d}",
        `    description: Generated feature view number ${v}`,
        `    tags: {domain: d${v % 11}, tier: ${v % 2 ? "gold" : "silver"}}`,
        "    features:",
      );
      const feats = [];
      for (let k = 0; k < nFeatures; k++) {
        const fname = `feat${k}_${String(v).padStart(4, "0")}`; // unique across views, without the view's name (lint)
        feats.push(fname);
        viewLines.push(`      - {name: ${fname}, type: ${TYPES[(v + k) % TYPES.length]}, description: feature ${k} of ${name}}`);
      }
      features += nFeatures;
      all.push({ name, feats });
    }
    writeFileSync(path.join(dir, "definitions", `domain_${String(f).padStart(2, "0")}.yml`), [...lines, ...viewLines].join("\n") + "\n");
  }
  const svc = ["feature_services:"];
  for (let s = 0; s < services; s++) {
    svc.push(`  - name: model_${s}`, `    description: Generated service ${s}`, "    features:");
    for (let j = 0; j < 20; j++) {
      const view = all[(s * 137 + j * 41) % all.length];
      if (j % 2 === 0) svc.push(`      - ${view.name}:*`);
      else svc.push(`      - ${view.name}:${view.feats[0]}`, `      - ${view.name}:${view.feats[1]}`);
    }
  }
  writeFileSync(path.join(dir, "definitions", "services.yml"), svc.join("\n") + "\n");
  return { views, features, services, files: files + 2 };
}

function countFiles(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : 1;
  return n;
}

function dirBytes(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true }))
    n += e.isDirectory() ? dirBytes(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).size;
  return n;
}

export async function main(argv) {
  const args = parseArgs(argv, { views: "1000", files: "20", services: "5", repeat: "5" });
  const repeat = Number(args.repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fcompile-build-scale-"));
  try {
    const shape = generateProject(dir, { views: Number(args.views), files: Number(args.files), services: Number(args.services) });
    const yamlBytes = dirBytes(path.join(dir, "definitions"));
    console.log(
      `build-scale: ${shape.views} feature views, ${shape.features} features, ${shape.views} table sources, ${shape.services} services, ` +
        `${shape.files} YAML files (${(yamlBytes / 1024).toFixed(0)} KiB) in ${dir}`,
    );
    const bin = path.join(REPO_DIR, "bin/fcompile");

    // CLI floor: node start-up plus loading the CLI, no project work
    const floor = [];
    for (let i = 0; i < repeat; i++) floor.push((await timeCommand(process.execPath, [bin, "--version"])).ms);

    const cli = [];
    let lastOut = "";
    for (let i = 0; i < repeat; i++) {
      const r = await timeCommand(process.execPath, [bin, "build", "--project", dir]);
      if (r.code !== 0) throw new Error(`fcompile build exited ${r.code}:\n${r.stdout}${r.stderr}`);
      cli.push(r.ms);
      lastOut = r.stdout.trim();
      console.log(`cli run ${i + 1}/${repeat}: ${fmtMs(r.ms)} — ${lastOut}`);
    }
    const written = countFiles(path.join(dir, "target"));

    const api = await import(pathToFileURL(path.join(REPO_DIR, "dist/index.js")).href);
    const inproc = [];
    let first;
    for (let i = 0; i < repeat + 1; i++) {
      const t0 = performance.now();
      const r = await api.build({ projectDir: dir });
      const ms = performance.now() - t0;
      if (!r.ok) throw new Error(`build() failed: ${JSON.stringify(r.diagnostics.slice(0, 3))}`);
      if (i === 0) first = ms;
      else inproc.push(ms);
      console.log(`in-process build() ${i === 0 ? "first (cold: lazy imports, JIT)" : `run ${i}/${repeat}`}: ${fmtMs(ms)}`);
    }
    const rss = process.resourceUsage().maxRSS;

    const m = machine();
    const cliMed = median(cli);
    console.log(`\n## build-scale — ${today()} — median of ${repeat} runs\n`);
    console.log(`machine: ${machineLine(m)}\n`);
    console.log(
      table(
        ["measurement", "median", "min … max"],
        [
          [`bin/fcompile build (fresh process, end to end)`, fmtMs(cliMed), `${fmtMs(Math.min(...cli))} … ${fmtMs(Math.max(...cli))}`],
          [
            `bin/fcompile --version (node + CLI start-up floor)`,
            fmtMs(median(floor)),
            `${fmtMs(Math.min(...floor))} … ${fmtMs(Math.max(...floor))}`,
          ],
          [`build() in-process, warm`, fmtMs(median(inproc)), `${fmtMs(Math.min(...inproc))} … ${fmtMs(Math.max(...inproc))}`],
          [`build() in-process, first call`, fmtMs(first), "-"],
        ],
      ),
    );
    console.log(`\nfiles written to target/: ${written}; bench process peak RSS ${(rss / 1024).toFixed(0)} MiB`);
    console.log(`target < 2 s end to end: ${cliMed < 2000 ? "met" : "MISSED"} (${(cliMed / 2000).toFixed(2)} of the budget)`);
  } finally {
    if (args.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
