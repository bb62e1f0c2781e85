import type { Command } from "commander";
import { noun } from "../diagnostics/plural.js";
import { usageError } from "../diagnostics/diagnostic.js";
import type { ProjectPusher } from "../commands/push-online.js";
import type { PushTo } from "../server/feast-push.js";
import { rowsAndProblems } from "../online/push/types.js";
import { integerOption, withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

interface PushFlags extends CommonOptions {
  source: string;
  file: string;
  to: string;
  batchSize: string;
}

const TO = ["online", "offline", "online_and_offline"];

export function registerPush(program: Command): void {
  withProjectOptions(program.command("push"))
    .description("push events from a file to a push source: every view over it is updated online at once (and/or appended offline)")
    .requiredOption("--source <name>", "the push source (a source with 'push: true')")
    .requiredOption("--file <file>", "events to push: .csv (with a header), .parquet, or .ndjson / .jsonl (one JSON object a line)")
    .option("--to <where>", "online, offline or online_and_offline", "online")
    .option("--batch-size <n>", "rows per atomic online write (all rows are checked before the first)", "2000")
    .addHelpText(
      "after",
      `
Each row is an event of the source: its columns by name (the source's timestamp, the join keys
of its views, the aggregated or feature columns, and its dedupe_key if it has one). DuckDB reads
and types CSV and Parquet; NDJSON keeps each value's JSON type (timestamps: ISO 8601 text or
integer microseconds since 1970).

  --to online              every view over the source, online, at once (default, as Feast)
  --to offline             appended where training reads the source: the source's table, or for a
                           file source the table 'run' loads it into (kept in pushed__<source>,
                           which 'run' adds back)
  --to online_and_offline  offline first (one transaction), then online

Every row is checked first: a bad row (a missing join key or timestamp, a value that does not
convert) is printed as FILE:LINE with its reason, and nothing is written (exit 1). Late events
(older than a view's newest event time by more than its 'lateness:') and duplicates (by the
source's dedupe_key) are skipped and counted, not errors. See docs/push.md.

Example:
  fcompile push --source orders --file new_orders.csv --to online_and_offline`,
    )
    .action((opts: PushFlags) => runCommand("push", () => runPush(opts)));
}

async function runPush(opts: PushFlags): Promise<void> {
  if (!TO.includes(opts.to)) throw usageError(`--to must be one of ${TO.join(", ")} (got '${opts.to}')`);
  const batchSize = integerOption("--batch-size", opts.batchSize, 1, 100_000);
  const { pushFile } = await import("../commands/push-file.js");
  const { projectPusher } = await import("../commands/push-online.js");
  const to = opts.to as PushTo;
  // The online store is opened at the first online write: the file, the source and the offline side are checked first.
  let pusher: ProjectPusher | undefined;
  const progress = progressLine();
  let r;
  try {
    r = await pushFile({
      projectDir: opts.project,
      target: opts.target,
      source: opts.source,
      file: opts.file,
      to,
      online:
        to === "offline"
          ? undefined
          : async (source, rows) => (pusher ??= await projectPusher(opts.project, { batchSize })).push(source, rows),
      onRows: (n) => progress.update(`pushing ${n.toLocaleString("en")} ${noun(n, "row")} from ${opts.file} …`),
    });
  } catch (err) {
    const problems = (err as { problems?: { row: number; line?: number; column?: string; reason: string }[] }).problems;
    if (!Array.isArray(problems)) throw err;
    printBadRows(opts.file, problems);
    process.exitCode = 1;
    return;
  } finally {
    progress.done();
    await pusher?.close();
  }
  const n = (x: number): string => x.toLocaleString("en");
  const lines = [`push ok: ${n(r.rows)} row${r.rows === 1 ? "" : "s"} from ${opts.file} to source '${r.source}' (${r.to})`];
  if (r.to !== "offline") {
    const views = [...new Set([...Object.keys(r.applied), ...Object.keys(r.late)])].sort();
    for (const v of views) lines.push(`  online ${v}: ${n(r.applied[v] ?? 0)} applied, ${n(r.late[v] ?? 0)} late`);
    lines.push(`  online duplicates (dedupe_key): ${n(r.duplicates)}`);
    if (r.notUpdated?.length) lines.push(`  not updated by pushes (SQL views): ${r.notUpdated.join(", ")}`);
  }
  if (r.offline)
    lines.push(
      `  offline: ${n(r.offline.appended)} appended, ${n(r.offline.duplicates)} duplicate${r.offline.duplicates === 1 ? "" : "s"} (dedupe_key)`,
    );
  process.stdout.write(lines.join("\n") + "\n");
}

/** Bad rows as `FILE:LINE: error FC019: row N, column 'c': reason` (LINE: the row's first line in the file, pushFile's `line`; Parquet: the row). */
function printBadRows(file: string, problems: { row: number; line?: number; column?: string; reason: string }[]): void {
  for (const p of problems)
    process.stderr.write(`${file}:${p.line ?? p.row}: error FC019: row ${p.row}${p.column ? `, column '${p.column}'` : ""}: ${p.reason}\n`);
  process.stderr.write(`${rowsAndProblems(problems)}; nothing was written.\n`);
}
