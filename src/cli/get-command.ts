import type { Command } from "commander";
import { get } from "../commands/get.js";
import { toJson } from "../client/json.js";
import { usageError } from "../diagnostics/diagnostic.js";
import { timestampOption } from "../commands/common.js";
import { integerOption } from "./common-options.js";
import { runCommand } from "./output.js";

interface GetFlags {
  project: string;
  service?: string;
  features?: string;
  entity: string[];
  at?: string;
  fullNames?: boolean;
  timeoutMs: string;
}

export function registerGet(program: Command): void {
  program
    .command("get")
    .description("read features of entities from the online store; prints JSON (value, event timestamp and status per feature)")
    .option("-p, --project <dir>", "project folder (holds fcompile.yaml)", ".")
    .option("--service <name>", "a feature service")
    .option("--features <refs>", "comma-separated view:feature or view:* references")
    .option("--entity <key=value,…>", "an entity row, e.g. customer_id=1001 (repeat for more; composite keys: a=1,b=2)", collect, [])
    .option("--at <ts>", "read as of this time instead of now: ttl, and aggregation windows (ISO 8601, UTC unless a zone is given)")
    .option("--full-names", "name features view__feature")
    .option("--timeout-ms <ms>", "give up after this long", "2000")
    .addHelpText(
      "after",
      `
Statuses: PRESENT, NULL_VALUE (the latest row's value is NULL), NOT_FOUND (no row for the entity),
OUTSIDE_MAX_AGE (older than the view's ttl at read time; the value is then null, as in training).
Aggregation views are finished at the read time (--at, default now): an entity with no events
reads as an empty window (a count is 0), and BEFORE_STATE means the window starts before the
oldest event the store holds (read at a later time, or materialize at an earlier end); for a
view with hop: also a read before the end inside a hop tile. A hop view's windows are
[floor_hop(t - w), t): up to one hop longer than w (docs/aggregations.md, "Hop").
64-bit integers are printed with every digit.

Example:
  fcompile get --service churn_model --entity customer_id=1001 --entity customer_id=1002 --at 2025-06-01`,
    )
    .action((opts: GetFlags) =>
      runCommand("get", async () => {
        if (!!opts.service === !!opts.features)
          throw usageError("give exactly one of --service NAME or --features VIEW:FEATURE,… (e.g. --service churn_model)");
        if (opts.entity.length === 0) throw usageError("give at least one --entity key=value, e.g. --entity customer_id=1001");
        const timeoutMs = integerOption("--timeout-ms", opts.timeoutMs, 1, 3_600_000);
        if (opts.at !== undefined) timestampOption("--at", opts.at);
        const r = await get({
          projectDir: opts.project,
          service: opts.service,
          features: opts.features
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          entityRows: opts.entity.map(parseEntity),
          at: opts.at,
          fullNames: !!opts.fullNames,
          timeoutMs,
        });
        process.stdout.write(toJson(r, 2) + "\n");
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `a=1,b=x` → {a: "1", b: "x"} (keys match by their text, so "1" finds the integer key 1). */
function parseEntity(text: string): Record<string, string> {
  const row: Record<string, string> = {};
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw usageError(`--entity '${text}' must be key=value (or key=value,key=value for composite keys)`);
    row[part.slice(0, eq).trim()] = part.slice(eq + 1);
  }
  return row;
}
