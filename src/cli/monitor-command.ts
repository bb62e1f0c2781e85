import type { Command } from "commander";
import { usageError } from "../diagnostics/diagnostic.js";
import { runCommand } from "./output.js";

interface MonitorFlags {
  project: string;
  training?: string;
  served?: string;
  features?: string;
  maxPsi?: string;
  maxKs?: string;
  maxMissingIncrease?: string;
  maxAge?: string;
  json?: boolean;
}

export function registerMonitor(program: Command): void {
  program
    .command("monitor")
    .description("training/serving skew: compare a training set with the features served (serve --log-features), feature by feature")
    .option("-p, --project <dir>", "project folder (holds fcompile.yaml): feature types and ttls", ".")
    .option("--training <file>", "the training set 'fcompile train --out' wrote (.csv or .parquet)")
    .option("--served <file>", "the served-feature log (fcompile serve --log-features FILE, or the client's logFeatures)")
    .option("--features <names>", "comma-separated output names to compare (default: every feature in the log)")
    .option("--max-psi <x>", "fail when a feature's PSI exceeds this", "0.25")
    .option("--max-ks <x>", "fail when a number's KS statistic exceeds this (default: no limit)")
    .option(
      "--max-missing-increase <x>",
      "fail when the share of served values that are not PRESENT exceeds the training null rate by more than this",
      "0.1",
    )
    .option("--max-age <duration>", "fail when the 95th percentile of served age exceeds this, e.g. 6h (default: the view's ttl)")
    .option("--json", "print the result as one JSON object")
    .addHelpText(
      "after",
      `
Per feature (an output name: a column of the training set, a feature of the log):
  psi, band       population stability index of the served values against the training set's
                  (numbers: the training values' 10 quantile bins; strings and booleans: the 20
                  most frequent training values and one bin for the rest); band none < 0.1 <=
                  minor <= 0.25 < major
  ks              two-sample Kolmogorov–Smirnov statistic (numbers and timestamps), exact
  null train      share of NULL in the training column
  missing served  share of served rows whose status is not PRESENT (NULL_VALUE, NOT_FOUND,
                  OUTSIDE_MAX_AGE, BEFORE_STATE)
  age             request time − event time of the PRESENT values served: median, p95, max

Exit code: 0 when no feature failed, 1 when one did, 2 on a usage error. A served feature the
training set does not have is listed, not compared, not failed. What cannot be compared is exit 1
with an error at file:line:col, never a pass: a log with no line or no feature, a log line that
is not JSON, has an unknown status, a value not of its feature's type or a view:feature the
project lacks, a training set that cannot be read, has no row, no column the log served, or a
value not of its feature's type. NaN and ±Infinity are dropped from psi and ks on both sides.

Examples:
  fcompile serve --log-features served.ndjson --log-sample-rate 0.01 &
  fcompile monitor --training train.parquet --served served.ndjson
  fcompile monitor --training train.csv --served served.ndjson --max-ks 0.1 --max-age 6h --json`,
    )
    .action((opts: MonitorFlags) =>
      runCommand("monitor", async () => {
        if (!opts.training || !opts.served)
          throw usageError("give --training FILE (what 'fcompile train --out' wrote) and --served FILE (the served-feature log)");
        const { monitor } = await import("../commands/monitor.js");
        const { formatSkew } = await import("../governance/monitor/format-skew.js");
        const r = await monitor({
          projectDir: opts.project,
          training: opts.training,
          served: opts.served,
          features: opts.features
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          maxPsi: numberOption("--max-psi", opts.maxPsi),
          maxKs: numberOption("--max-ks", opts.maxKs),
          maxMissingIncrease: numberOption("--max-missing-increase", opts.maxMissingIncrease),
          maxAge: opts.maxAge,
        });
        process.stdout.write((opts.json ? JSON.stringify(r, null, 2) : formatSkew(r)) + "\n");
        if (!r.ok) process.exitCode = 1;
      }),
    );
}

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw usageError(`${name} must be a number (got '${text}')`);
  return n;
}
