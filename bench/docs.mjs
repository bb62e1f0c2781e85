// docs: `fcompile docs` of a generated 1,000-view project with a profile of every feature and test results (CLI end to end, against build)
//
//   node bench/run.mjs docs [--views 1000] [--files 20] [--services 5] [--repeat 5] [--keep]
//
// The project is build-scale's (1,000 plain views over table sources, 6,500 features, 5 services,
// in a temp folder), plus what the catalog reads beside it: profiles/bench.json holding every
// feature (numbers: 10 histogram bins and quantiles; others: 20 top values) and
// target/test_results.json (a not_null test of every feature, freshness of every view). Timed, in
// turns within each round: `bin/fcompile docs --project DIR` and, as the baseline, `bin/fcompile
// build --project DIR` of the same project, and `bin/fcompile ls --project DIR` (which reads and
// validates the project as docs does, and writes nothing: docs minus ls is what the catalog itself
// costs), each in a fresh process (node start-up, reading and
// validating the project included), with their CPU time (user + system, /usr/bin/time) when
// /usr/bin/time is there: on a shared machine it depends less on other jobs than wall time.
// Reported: the medians, their ratios, the catalog's size.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { generateProject } from "./build-scale.mjs";
import { REPO_DIR, fmtMs, machine, machineLine, median, parseArgs, table, timeNode, today } from "./lib/common.mjs";

const NUMERIC = new Set(["int32", "int64", "float32", "float64"]);

/** Features of the generated project, read back from its definition files: [{view, feature, type}]. */
function featuresOf(dir) {
  const out = [];
  for (const file of readdirSync(path.join(dir, "definitions")).filter((f) => f.startsWith("domain_"))) {
    let view;
    for (const line of readFileSync(path.join(dir, "definitions", file), "utf8").split("\n")) {
      const v = /^ {2}- name: (fv_\d+)$/.exec(line);
      if (v) view = v[1];
      const f = /^ {6}- \{name: (\w+), type: (\w+),/.exec(line);
      if (f) out.push({ view, feature: f[1], type: f[2] });
    }
  }
  return out;
}

/** profiles/bench.json and target/test_results.json for every feature and view. */
function writeCatalogInputs(dir, features) {
  const profile = {
    version: 1,
    name: "bench",
    project: "scale",
    target: "local",
    createdAt: "2026-01-01T00:00:00Z",
    start: null,
    end: null,
    window: null,
    features: {},
  };
  for (const [i, f] of features.entries()) {
    const numeric = NUMERIC.has(f.type);
    const edges = Array.from({ length: 11 }, (_, k) => k * k + (i % 10));
    profile.features[`${f.view}:${f.feature}`] = {
      view: f.view,
      feature: f.feature,
      type: f.type,
      kind: numeric ? "numeric" : f.type === "bool" ? "boolean" : "categorical",
      count: 100000,
      nullCount: 1000,
      nullRate: 0.01,
      distinct: numeric ? 5000 : 20,
      min: numeric ? edges[0] : null,
      max: numeric ? edges[10] : null,
      ...(numeric
        ? {
            mean: 40,
            stddev: 12,
            quantiles: [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99].map((q, k) => ({ q, value: edges[k + 1] })),
            histogram: edges.slice(0, -1).map((lower, k) => ({ lower, upper: edges[k + 1], count: 9900 })),
          }
        : {}),
      topValues: Array.from({ length: numeric ? 5 : 20 }, (_, k) => ({ value: numeric ? k : `value_${k}`, count: 5000 - k * 100 })),
    };
  }
  mkdirSync(path.join(dir, "profiles"), { recursive: true });
  writeFileSync(path.join(dir, "profiles", "bench.json"), JSON.stringify(profile));
  const views = [...new Set(features.map((f) => f.view))];
  const results = {
    project: "scale",
    target: "local",
    at: "2026-01-01 06:00:00",
    start: null,
    generatedAt: "2026-01-01T06:00:01.000Z",
    ok: true,
    tests: features.map((f) => ({
      view: f.view,
      feature: f.feature,
      name: `${f.feature}_not_null`,
      kind: "not_null",
      status: "pass",
      failing: 0,
      sample: [],
      file: "x.sql",
    })),
    freshness: views.map((view) => ({
      view,
      status: "pass",
      newest: "2026-01-01 05:00:00",
      ageSeconds: 3600,
      warnAfter: "1d",
      errorAfter: "3d",
    })),
  };
  mkdirSync(path.join(dir, "target"), { recursive: true });
  writeFileSync(path.join(dir, "target", "test_results.json"), JSON.stringify(results));
}

/** Runs `bin/fcompile ...args` in a fresh process: wall ms, and CPU ms (user + system) when /usr/bin/time is there. */
const timeFcompile = (bin, args, dir) => timeNode([bin, ...args], dir);

export async function main(argv) {
  const args = parseArgs(argv, { views: "1000", files: "20", services: "5", repeat: "5" });
  const repeat = Number(args.repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fcompile-docs-scale-"));
  try {
    const shape = generateProject(dir, { views: Number(args.views), files: Number(args.files), services: Number(args.services) });
    const features = featuresOf(dir);
    writeCatalogInputs(dir, features);
    console.log(`docs: ${shape.views} views, ${features.length} features, ${shape.services} services in ${dir}`);
    const bin = path.join(REPO_DIR, "bin/fcompile");
    const docs = [];
    const build = [];
    const docsCpu = [];
    const buildCpu = [];
    const ls = [];
    const lsCpu = [];
    let docsOut = "";
    for (let i = 0; i < repeat; i++) {
      // build replaces target/ (test_results.json with it): write the inputs again before docs.
      const b = await timeFcompile(bin, ["build", "--project", dir], dir);
      if (b.code !== 0) throw new Error(`fcompile build exited ${b.code}:\n${b.stderr.slice(0, 2000)}`);
      build.push(b.ms);
      buildCpu.push(b.cpuMs);
      writeCatalogInputs(dir, features);
      const d = await timeFcompile(bin, ["docs", "--project", dir], dir);
      if (d.code !== 0) throw new Error(`fcompile docs exited ${d.code}:\n${d.stderr.slice(0, 2000)}`);
      docs.push(d.ms);
      docsCpu.push(d.cpuMs);
      const l = await timeFcompile(bin, ["ls", "--project", dir], dir);
      if (l.code !== 0) throw new Error(`fcompile ls exited ${l.code}:\n${l.stderr.slice(0, 2000)}`);
      ls.push(l.ms);
      lsCpu.push(l.cpuMs);
      docsOut = d.stdout.trim();
      const cpu = (x) => (x.cpuMs === null ? "" : ` (CPU ${fmtMs(x.cpuMs)})`);
      console.log(
        `round ${i + 1}/${repeat}: build ${fmtMs(b.ms)}${cpu(b)}, docs ${fmtMs(d.ms)}${cpu(d)}, ls ${fmtMs(l.ms)}${cpu(l)} — ${docsOut}`,
      );
    }
    const sizes = Object.fromEntries(
      readdirSync(path.join(dir, "target", "docs")).map((f) => [f, statSync(path.join(dir, "target", "docs", f)).size]),
    );
    const m = machine();
    const docsMed = median(docs);
    const buildMed = median(build);
    const range = (xs) => `${fmtMs(Math.min(...xs))} … ${fmtMs(Math.max(...xs))}`;
    const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
    console.log(`\n## docs — ${today()} — median of ${repeat} runs\n`);
    console.log(`machine: ${machineLine(m)}\n`);
    console.log(
      table(
        ["measurement", "median", "min … max"],
        [
          ["bin/fcompile docs (fresh process, end to end)", fmtMs(docsMed), range(docs)],
          ["bin/fcompile build, same project (baseline)", fmtMs(buildMed), range(build)],
          ["bin/fcompile ls, same project (reads it as docs does)", fmtMs(median(ls)), range(ls)],
          ["docs / build", (docsMed / buildMed).toFixed(2), "-"],
          ...(docsCpu.every((x) => x !== null)
            ? [
                ["docs, CPU time (user + system)", fmtMs(median(docsCpu)), range(docsCpu)],
                ["build, CPU time (user + system)", fmtMs(median(buildCpu)), range(buildCpu)],
                ["ls, CPU time (user + system)", fmtMs(median(lsCpu)), range(lsCpu)],
                ["docs / build, CPU", (median(docsCpu) / median(buildCpu)).toFixed(2), "-"],
              ]
            : []),
        ],
      ),
    );
    console.log(
      `\ntarget/docs: ${Object.entries(sizes)
        .map(([f, n]) => `${f} ${kib(n)}`)
        .join(", ")}`,
    );
    console.log(
      `target < 3 s end to end for ${shape.views} views: ${docsMed < 3000 ? "met" : "MISSED"} (${(docsMed / 3000).toFixed(2)} of the budget)`,
    );
  } finally {
    if (args.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
