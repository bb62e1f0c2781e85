// profile: `fcompile profile` of a 10M-row plain view on DuckDB against a hand-written SUMMARIZE of the same columns
//
//   node bench/run.mjs profile [--rows 10000000] [--repeat 5] [--keep]
//
// The warehouse (a DuckDB file in a temp folder): raw.events with `--rows` rows over 30 days, a
// plain view over it with three numeric features (an int64 count, two float64 amounts, one of
// them with 10% NULLs) and three categorical ones (a 5-value string, a 1,000-value string, a
// bool). Timed, alternating, `--repeat` times each: runProfile() from dist/commands/profile.js
// (the compiled profile query, through the command's own code path: open the warehouse, run the
// query, read the rows back) over every row, and `SUMMARIZE SELECT <the same columns> FROM
// raw.events` on its own connection. Medians and their ratio.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { REPO_DIR, fmtMs, machineLine, median, parseArgs, table } from "./lib/common.mjs";

const COLUMNS = ["qty", "amount", "discount", "segment", "city", "is_member"];

export async function main(argv) {
  const args = parseArgs(argv, { rows: 10_000_000, repeat: 5 });
  const rows = Number(args.rows);
  const repeat = Number(args.repeat);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fc-bench-profile-"));
  console.log(`profile: ${rows.toLocaleString("en")} rows, ${repeat} runs each, in ${dir}`);
  try {
    const db = path.join(dir, "warehouse.duckdb");
    const inst = await DuckDBInstance.create(db);
    const c = await inst.connect();
    await c.run("CREATE SCHEMA raw");
    await c.run(
      `CREATE TABLE raw.events AS SELECT (i % 100000) AS customer_id,
         TIMESTAMP '2025-01-01' + to_microseconds(CAST((i * 259) % 2592000000000 AS BIGINT)) AS ts,
         CAST(floor(-ln(random()) * 3) AS BIGINT) AS qty,
         round(random() * 500, 2) AS amount,
         CASE WHEN random() < 0.1 THEN NULL ELSE random() END AS discount,
         ['new', 'regular', 'vip', 'gold', 'churned'][1 + CAST(floor(random() * random() * 5) AS INTEGER)] AS segment,
         'city_' || CAST(floor(random() * 1000) AS INTEGER) AS city,
         random() < 0.3 AS is_member
       FROM range(${rows}) AS t(i)`,
    );
    c.closeSync();
    inst.closeSync();
    mkdirSync(path.join(dir, "definitions"));
    writeFileSync(
      path.join(dir, "fcompile.yaml"),
      "name: bench\ntarget: local\ntargets:\n  local:\n    type: duckdb\n    path: warehouse.duckdb\n",
    );
    const types = { qty: "int64", amount: "float64", discount: "float64", segment: "string", city: "string", is_member: "bool" };
    writeFileSync(
      path.join(dir, "definitions/events.yml"),
      [
        "entities:\n  - name: customer\n    join_keys: [{name: customer_id, type: int64}]",
        "sources:\n  - name: events\n    table: raw.events\n    timestamp: ts",
        "feature_views:\n  - name: events\n    entities: [customer]\n    source: events\n    features:",
        ...COLUMNS.map((col) => `      - {name: ${col}, type: ${types[col]}}`),
        "",
      ].join("\n"),
    );
    const { runProfile } = await import(pathToFileURL(path.join(REPO_DIR, "dist/commands/profile.js")).href);
    const profileTimes = [];
    const summarizeTimes = [];
    let last;
    for (let i = 0; i < repeat; i++) {
      let t0 = performance.now();
      last = await runProfile({ projectDir: dir, select: ["events"] });
      profileTimes.push(performance.now() - t0);
      t0 = performance.now();
      const inst2 = await DuckDBInstance.create(db, { access_mode: "READ_ONLY" });
      const c2 = await inst2.connect();
      const r = await c2.runAndReadAll(`SUMMARIZE SELECT ${COLUMNS.join(", ")} FROM raw.events`);
      r.getRows();
      c2.closeSync();
      inst2.closeSync();
      summarizeTimes.push(performance.now() - t0);
      console.log(`  run ${i + 1}: profile ${fmtMs(profileTimes.at(-1))}, SUMMARIZE ${fmtMs(summarizeTimes.at(-1))}`);
    }
    const p = median(profileTimes);
    const s = median(summarizeTimes);
    console.log(`\nmachine: ${machineLine()}\n`);
    console.log(
      table(
        ["measurement", "median (min … max)"],
        [
          ["`fcompile profile` (runProfile)", `${fmtMs(p)} (${fmtMs(Math.min(...profileTimes))} … ${fmtMs(Math.max(...profileTimes))})`],
          ["`SUMMARIZE SELECT …`", `${fmtMs(s)} (${fmtMs(Math.min(...summarizeTimes))} … ${fmtMs(Math.max(...summarizeTimes))})`],
          ["ratio of the medians", `${(p / s).toFixed(2)}×`],
          ["median of the per-run ratios", `${median(profileTimes.map((t, i) => t / summarizeTimes[i])).toFixed(2)}×`],
        ],
      ),
    );
    const f = last.profile.features;
    console.log(
      `\ncheck: events:qty count ${f["events:qty"].count}, events:city distinct ${f["events:city"].distinct}, top ${f["events:city"].topValues?.length}`,
    );
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}
