// lint: `fcompile lint` of a generated 1,000-view project that exercises every rule (CLI end to end and in-process)
//
//   node bench/run.mjs lint [--views 1000] [--files 20] [--repeat 5] [--keep]
//
// The project (in a temp folder): one entity, one table source per view (as build-scale: no
// data file to read), and views in turn: plain (6 features), aggregation over the source
// (6 aggregations, windows in assorted units, half with a filter), SQL views (4 expressions over
// the source, in a .sql file). Planted, per 50 views: a duplicate aggregation (7d vs 168h), a
// duplicate SQL expression written otherwise, a window suffix that disagrees, a now() leak, a
// FOLLOWING frame, a label leak, an undocumented view. Timed: `bin/fcompile lint --project DIR`
// in a fresh process (node start-up, reading and validating the project included), and lint()
// from dist/commands/lint.js in this process; the findings are counted by code. CLI runs also
// give their CPU time (user + system, /usr/bin/time when there: on a shared machine it depends less
// on other jobs than wall time), and node's own start-up (`node -e 0`) and `fcompile --version`
// are timed as the floor.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { generateProject } from "./build-scale.mjs";
import { REPO_DIR, fmtMs, machine, machineLine, median, parseArgs, table, timeCommand, timeNode, today } from "./lib/common.mjs";

const WINDOWS = ["1h", "24h", "7d", "30d", "90d", "1w"];
const DOC = (v) => [
  `    owner: team-${v % 7}@example.com`,
  "    freshness: {warn_after: 1d, error_after: 3d}",
  `    description: View ${v}`,
];

/** Writes the project; returns how many views of each kind it has. */
export function generateLintProject(dir, { views = 1000, files = 20 } = {}) {
  mkdirSync(path.join(dir, "definitions"), { recursive: true });
  writeFileSync(
    path.join(dir, "fcompile.yaml"),
    "name: lintscale\ntarget: local\ntargets:\n  local:\n    type: duckdb\n    path: warehouse.duckdb\n",
  );
  writeFileSync(
    path.join(dir, "definitions", "entities.yml"),
    "entities:\n  - name: customer\n    join_keys: [{name: customer_id, type: int64}]\n",
  );
  const kinds = { plain: 0, aggregation: 0, sql: 0 };
  for (let f = 0; f < files; f++) {
    const sources = ["sources:"];
    const out = ["feature_views:"];
    for (let v = f; v < views; v += files) {
      const n = String(v).padStart(4, "0");
      const src = `orders_${n}`;
      sources.push(`  - name: ${src}`, `    table: raw.${src}`, "    timestamp: ts", "    labels: [is_fraud]");
      const plant = v % 50;
      const doc = plant === 7 ? [] : DOC(v);
      if (v % 3 === 0) {
        kinds.plain++;
        out.push(`  - name: customer_${n}`, "    entities: [customer]", `    source: ${src}`, ...doc, "    features:");
        for (const c of plant === 11 ? ["amount", "qty", "price", "status", "is_fraud"] : ["amount", "qty", "price", "status"]) {
          const type = c === "status" ? "string" : c === "is_fraud" ? "bool" : c === "qty" ? "int64" : "float64";
          out.push(`      - {name: ${c}, type: ${type}${plant === 7 ? "" : `, description: The order's ${c}`}}`);
        }
      } else if (v % 3 === 1) {
        kinds.aggregation++;
        out.push(`  - name: spend_${n}`, "    entities: [customer]", `    source: ${src}`, ...doc, "    aggregations:");
        for (let k = 0; k < 6; k++) {
          const w = WINDOWS[(v + k) % WINDOWS.length];
          const name = plant === 13 && k === 0 ? `total_${k}_30d` : `total_${k}_${w}`;
          const filter = k % 2 ? `, filter: "status = 'paid' AND amount > ${k}"` : "";
          out.push(
            `      - {name: ${name}, function: ${k < 3 ? "sum" : "max"}, column: amount, type: float64, window: ${w}${filter}${plant === 7 ? "" : ", description: Spend"}}`,
          );
        }
        if (plant === 1) {
          // the same as total_0 (window 7d or 168h spelled otherwise) under another name
          out.push(
            `      - {name: again_${n}, function: sum, column: amount, type: float64, window: ${WINDOWS[v % WINDOWS.length].replace("7d", "168h").replace("1w", "7d").replace("24h", "1d").replace("1h", "60m")}, description: Spend again}`,
          );
        }
        if (plant === 19) {
          out.push("      - {name: frauds, function: count_distinct, column: is_fraud, window: 7d, description: Frauds}");
        }
      } else {
        kinds.sql++;
        out.push(
          `  - name: basket_${n}`,
          "    entities: [customer]",
          `    sql: basket_${n}.sql`,
          "    timestamp: ts",
          ...doc,
          "    features:",
        );
        const feats = ["amount_cents", "unit_total", "is_big", "paid_amount"];
        for (const c of feats)
          out.push(`      - {name: ${c}, type: ${c === "is_big" ? "bool" : "float64"}${plant === 7 ? "" : ", description: Derived"}}`);
        const sql = [
          "SELECT customer_id, ts,",
          plant === 2 || plant === 5 ? "  100*amount AS amount_cents, -- the same, spelled otherwise" : "  amount * 100 AS amount_cents,",
          plant === 29
            ? "  sum(qty * price) OVER (PARTITION BY customer_id ORDER BY ts ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS unit_total,"
            : "  qty * price AS unit_total,",
          "  amount > 100 AND status = 'paid' AS is_big,",
          "  CASE WHEN status = 'paid' THEN amount ELSE 0 END AS paid_amount",
          // plant 5 reads the source of plant 2's view (also an SQL view): the same expression over the same rows
          `FROM {{source "${plant === 5 ? `orders_${String(v - 3).padStart(4, "0")}` : src}"}}`,
          plant === 23 ? "WHERE ts > now() - INTERVAL '90 days'" : "",
        ].join("\n");
        writeFileSync(path.join(dir, "definitions", `basket_${n}.sql`), sql + "\n");
      }
    }
    writeFileSync(path.join(dir, "definitions", `domain_${String(f).padStart(2, "0")}.yml`), [...sources, ...out].join("\n") + "\n");
  }
  return { views, kinds, files: files + 1 };
}

export async function main(argv) {
  const args = parseArgs(argv, { views: "1000", files: "20", repeat: "5" });
  const repeat = Number(args.repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fcompile-lint-scale-"));
  try {
    const shape = generateLintProject(dir, { views: Number(args.views), files: Number(args.files) });
    console.log(
      `lint: ${shape.views} feature views (${shape.kinds.plain} plain, ${shape.kinds.aggregation} aggregation, ${shape.kinds.sql} SQL) in ${dir}`,
    );
    const bin = path.join(REPO_DIR, "bin/fcompile");

    const buildRun = await timeCommand(process.execPath, [bin, "build", "--project", dir]);
    if (buildRun.code !== 0) throw new Error(`fcompile build exited ${buildRun.code}:\n${buildRun.stderr.slice(0, 2000)}`);
    const cpu = (r) => (r.cpuMs === null ? "" : ` (CPU ${fmtMs(r.cpuMs)})`);
    const floor = { node: [], nodeCpu: [], version: [], versionCpu: [] };
    for (let i = 0; i < repeat; i++) {
      const n = await timeNode(["-e", "0"], dir);
      const v = await timeNode([bin, "--version"], dir);
      floor.node.push(n.ms);
      floor.nodeCpu.push(n.cpuMs);
      floor.version.push(v.ms);
      floor.versionCpu.push(v.cpuMs);
    }
    const cli = [];
    const cliCpu = [];
    for (let i = 0; i < repeat; i++) {
      const r = await timeNode([bin, "lint", "--project", dir], dir);
      if (r.code !== 0) throw new Error(`fcompile lint exited ${r.code}:\n${r.stderr.slice(0, 2000)}`);
      cli.push(r.ms);
      cliCpu.push(r.cpuMs);
      console.log(`cli run ${i + 1}/${repeat}: ${fmtMs(r.ms)}${cpu(r)} — ${r.stdout.trim()}`);
    }

    // build-scale's project (1,000 plain views, lint-clean): what lint costs on a large project of plain views
    const plainDir = path.join(dir, "build-scale");
    generateProject(plainDir, { views: shape.views, files: Number(args.files) });
    const plainCli = [];
    const plainCpu = [];
    for (let i = 0; i < repeat; i++) {
      const r = await timeNode([bin, "lint", "--project", plainDir], dir);
      if (r.code !== 0) throw new Error(`fcompile lint (build-scale project) exited ${r.code}:\n${r.stderr.slice(0, 2000)}`);
      plainCli.push(r.ms);
      plainCpu.push(r.cpuMs);
      console.log(`cli run ${i + 1}/${repeat} on build-scale's project: ${fmtMs(r.ms)}${cpu(r)} — ${r.stdout.trim()}`);
    }

    const { lint } = await import(pathToFileURL(path.join(REPO_DIR, "dist/commands/lint.js")).href);
    const { readLintConfig } = await import(pathToFileURL(path.join(REPO_DIR, "dist/governance/lint/config.js")).href);
    const { lintRegistry } = await import(pathToFileURL(path.join(REPO_DIR, "dist/governance/lint/lint-registry.js")).href);
    const { loadProject } = await import(pathToFileURL(path.join(REPO_DIR, "dist/commands/common.js")).href);
    const inproc = [];
    const rulesOnly = [];
    let findings = [];
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      const r = await lint({ projectDir: dir });
      inproc.push(performance.now() - t0);
      findings = r.findings;
    }
    const { registry, config } = await loadProject(dir);
    for (let i = 0; i < repeat; i++) {
      const t0 = performance.now();
      lintRegistry(registry, readLintConfig(config.lint));
      rulesOnly.push(performance.now() - t0);
    }
    const byCode = {};
    for (const d of findings) byCode[d.code] = (byCode[d.code] ?? 0) + 1;

    const m = machine();
    const cliMed = median(cli);
    console.log(`\n## lint — ${today()} — median of ${repeat} runs\n`);
    console.log(`machine: ${machineLine(m)}\n`);
    const range = (xs) => `${fmtMs(Math.min(...xs))} … ${fmtMs(Math.max(...xs))}`;
    console.log(
      table(
        ["measurement", "median", "min … max"],
        [
          ["bin/fcompile lint (fresh process, end to end)", fmtMs(cliMed), range(cli)],
          ["bin/fcompile build (once, for comparison)", fmtMs(buildRun.ms), "-"],
          [`bin/fcompile lint of build-scale's project (${shape.views} plain views)`, fmtMs(median(plainCli)), range(plainCli)],
          ["lint() in-process (read, validate, lint)", fmtMs(median(inproc)), range(inproc)],
          ["the rules alone (lintRegistry on a loaded registry)", fmtMs(median(rulesOnly)), range(rulesOnly)],
          ["node -e 0 (node start-up, the floor)", fmtMs(median(floor.node)), range(floor.node)],
          ["bin/fcompile --version (node + the CLI's modules)", fmtMs(median(floor.version)), range(floor.version)],
          ...(cliCpu.every((x) => x !== null)
            ? [
                ["bin/fcompile lint, CPU time (user + system)", fmtMs(median(cliCpu)), range(cliCpu)],
                ["lint of build-scale's project, CPU time", fmtMs(median(plainCpu)), range(plainCpu)],
                ["node -e 0, CPU time", fmtMs(median(floor.nodeCpu)), range(floor.nodeCpu)],
                ["bin/fcompile --version, CPU time", fmtMs(median(floor.versionCpu)), range(floor.versionCpu)],
              ]
            : []),
        ],
      ),
    );
    console.log(
      `\nfindings: ${findings.length} (${Object.entries(byCode)
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(", ")})`,
    );
    console.log(
      `target < 3 s end to end for ${shape.views} views: ${cliMed < 3000 ? "met" : "MISSED"} (${(cliMed / 3000).toFixed(2)} of the budget)`,
    );
  } finally {
    if (args.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv.slice(2));
