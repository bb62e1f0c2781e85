import type { Command } from "commander";
import type { FeatureProfile, ProfileFile } from "../governance/profile/profile-file.js";
import { withProjectOptions } from "./common-options.js";
import { runCommand } from "./output.js";

interface ProfileFlags {
  project: string;
  target?: string;
  end?: string;
  window?: string;
  select?: string;
  save?: string;
  json?: boolean;
}

export function registerProfile(program: Command): void {
  withProjectOptions(program.command("profile"))
    .description(
      "profile the feature values fcompile test tests (counts, NULLs, range, quantiles, histogram, top values); --save keeps it as a drift baseline",
    )
    .option("--end <ts>", "the window's end, ISO 8601 (UTC unless a zone is given); default: now")
    .option("--window <duration>", "profile only rows with event time in [end − window, end), e.g. 30d; default: every row before end")
    .option("--select <views>", "comma-separated feature views (default: all)")
    .option("--save <name>", "write the profile to profiles/<name>.json in the project (a drift: baseline)")
    .option("--json", "print the profile as one JSON object (the file's shape)")
    .addHelpText(
      "after",
      `
Profiles the rows 'fcompile test' tests: a plain view's source rows, an SQL view's table, an
aggregation's feature values at each entity's latest event time. Numbers get mean, stddev,
quantiles (approximate on DuckDB) and a 10-bin quantile histogram; every feature gets its count,
NULL rate, distinct count and up to 20 most frequent values (a float with more than 10000
distinct values: no top values, and an estimated distinct count). A float's NaN and ±inf are
counted apart (nonFiniteCount) and left out of every other statistic. 'fcompile build' writes each view's query to
target/compiled/<dialect>/profile/<view>.sql (set fc_start and fc_end to run it by hand).
A feature with drift: {baseline: NAME} is compared with profiles/NAME.json by 'fcompile test'.

Examples:
  fcompile profile
  fcompile profile --end 2025-06-01 --window 30d --save first_days
  fcompile profile --select customer_stats --json`,
    )
    .action((opts: ProfileFlags) =>
      runCommand("profile", async () => {
        const { profile, file, empty } = await (
          await import("../commands/profile.js")
        ).runProfile({
          projectDir: opts.project,
          target: opts.target,
          end: opts.end,
          window: opts.window,
          save: opts.save,
          select: opts.select
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        });
        if (opts.json) process.stdout.write(JSON.stringify(profile, null, 2) + "\n");
        else printProfile(profile);
        for (const v of empty)
          process.stderr.write(
            `warning: view ${v} has no row in the profiled window ${profile.start ? `[${profile.start}, ${profile.end})` : `before ${profile.end}`} UTC${file ? "; the saved profile holds no distribution of it (a drift: baseline needs one)" : ""}\n`,
          );
        if (file) process.stderr.write(`profile saved to ${file}\n`);
      }),
    );
}

function printProfile(p: ProfileFile): void {
  const out = (s: string): boolean => process.stdout.write(s + "\n");
  for (const [key, f] of Object.entries(p.features)) {
    const nonFinite = f.nonFiniteCount ? `, ${f.nonFiniteCount} NaN/inf (left out)` : "";
    out(
      `${key} (${f.type}): ${f.count} rows, ${f.nullCount} NULL (${pct(f.nullRate)})${nonFinite}, ${f.distinct} distinct, min ${show(f.min)}, max ${show(f.max)}`,
    );
    if (f.kind === "numeric") {
      const q = (n: number): string => show(f.quantiles?.find((x) => x.q === n)?.value ?? null);
      out(
        `  mean ${show(f.mean ?? null)}, stddev ${show(f.stddev ?? null)}; p1 ${q(0.01)}, p25 ${q(0.25)}, p50 ${q(0.5)}, p75 ${q(0.75)}, p99 ${q(0.99)}`,
      );
    }
    if (f.topValues?.length) out(`  top: ${topLine(f)}`);
  }
  out(`profile: ${Object.keys(p.features).length} features; rows ${p.start ? `[${p.start}, ${p.end})` : `before ${p.end}`} UTC`);
}

function topLine(f: FeatureProfile): string {
  return f
    .topValues!.slice(0, 5)
    .map((t) => `${JSON.stringify(t.value)} ${t.count}`)
    .join(", ");
}

function pct(r: number): string {
  return `${(r * 100).toFixed(1)}%`;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  return String(v);
}
