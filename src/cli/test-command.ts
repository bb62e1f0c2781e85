import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { TestResult } from "../commands/test.js";
import { junitXml } from "../governance/test/junit.js";
import { driftSummary } from "../governance/test/results.js";
import { usageError, userError } from "../diagnostics/diagnostic.js";
import { withProjectOptions } from "./common-options.js";
import { runCommand } from "./output.js";

interface TestFlags {
  project: string;
  target?: string;
  at?: string;
  window?: string;
  select?: string;
  json?: boolean;
  junit?: string;
  alertWebhook?: string;
}

export function registerTest(program: Command): void {
  withProjectOptions(program.command("test"))
    .description("run the data tests (a feature's tests:, a view's tests:) and freshness checks on the warehouse")
    .option(
      "--at <ts>",
      "the time freshness is measured against and the window ends at, ISO 8601 (UTC unless a zone is given); default: now",
    )
    .option("--window <duration>", "test only rows with event time in [at − window, at), e.g. 7d; default: every row before at")
    .option("--select <views>", "comma-separated feature views (default: all)")
    .option("--json", "print the results as one JSON object")
    .option("--junit <file>", "also write the results as JUnit XML (one testsuite per view)")
    .option("--alert-webhook <url>", "POST the failures as JSON to this URL when there are any")
    .addHelpText(
      "after",
      `
Each test is compiled by 'fcompile build' to target/compiled/<dialect>/test/<view>/<test>.sql,
a query that returns the failing rows (run it by hand after setting fc_start and fc_end).
A test fails when its query returns a row; a feature's drift: check fails when the PSI of the
tested rows against its baseline profile (profiles/<baseline>.json, saved by 'fcompile profile
--save') is over max_psi (default 0.25), or its KS over max_ks. A view with freshness: warns
after warn_after and fails after error_after since its newest event. The results are also
written to target/test_results.json. Exit code: 0 when nothing failed (warnings
included), 1 on any failure, 2 on a usage error. Run 'fcompile run' first.

Examples:
  fcompile test
  fcompile test --window 1d --select customer_stats --junit reports/data-tests.xml
  fcompile test --at 2025-06-01T00:00:00Z --json
  fcompile test --alert-webhook https://hooks.example.com/fcompile`,
    )
    .action((opts: TestFlags) =>
      runCommand("test", async () => {
        // A bad URL is a usage error before anything runs (a passing run would never post to it).
        if (opts.alertWebhook !== undefined) checkWebhookUrl(opts.alertWebhook);
        const r = await (
          await import("../commands/test.js")
        ).runDataTests({
          projectDir: opts.project,
          target: opts.target,
          at: opts.at,
          window: opts.window,
          select: opts.select
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        });
        if (opts.junit) writeJunit(opts.junit, junitXml(r));
        if (opts.json) process.stdout.write(JSON.stringify(r, null, 2) + "\n");
        else printResult(r);
        if (!r.ok && opts.alertWebhook) await (await import("../commands/test.js")).postFailures(opts.alertWebhook, r);
        if (!r.ok) process.exitCode = 1;
      }),
    );
}

/** `--alert-webhook`'s URL: an absolute http(s) URL, or a usage error. */
function checkWebhookUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`--alert-webhook '${url}' is not a URL; give an absolute http(s) URL, e.g. https://hooks.example.com/fcompile`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:")
    throw usageError(`--alert-webhook '${url}' is not an http(s) URL (${u.protocol}); e.g. https://hooks.example.com/fcompile`);
}

/** The JUnit file, its folder created when missing; FC016 naming the file when it cannot be written. */
function writeJunit(file: string, xml: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, xml);
  } catch (err) {
    throw userError("FC016", `--junit ${file}: cannot write the file: ${(err as Error).message}`);
  }
}

function printResult(r: TestResult): void {
  const out = (s: string): boolean => process.stdout.write(s + "\n");
  for (const t of r.tests) {
    if (t.kind === "drift") {
      out(`${t.status.toUpperCase().padEnd(4)} ${t.view}/${t.name}: ${driftSummary(t)}`);
      if (t.status === "fail") for (const row of t.sample) out(`       ${JSON.stringify(row)}`);
      continue;
    }
    out(
      `${t.status.toUpperCase().padEnd(4)} ${t.view}/${t.name}${t.status === "fail" ? `: ${t.failing} failing row${t.failing === 1 ? "" : "s"}` : ""}`,
    );
    for (const row of t.sample) out(`       ${JSON.stringify(row)}`);
  }
  for (const f of r.freshness) {
    const age = f.ageSeconds === null ? "no rows" : `newest event ${f.newest} UTC, ${formatAge(f.ageSeconds)} old`;
    const limits = [f.warnAfter && `warn_after ${f.warnAfter}`, f.errorAfter && `error_after ${f.errorAfter}`].filter(Boolean).join(", ");
    out(`${f.status.toUpperCase().padEnd(4)} ${f.view}/freshness: ${age} (${limits})`);
  }
  const failed = r.tests.filter((t) => t.status === "fail").length + r.freshness.filter((f) => f.status === "fail").length;
  const warned = r.freshness.filter((f) => f.status === "warn").length;
  const total = r.tests.length + r.freshness.length;
  out(
    `test ${r.ok ? "ok" : "failed"}: ${total} checks, ${failed} failed, ${warned} warned; rows ${r.start ? `[${r.start}, ${r.at})` : `before ${r.at}`}, at ${r.at} UTC`,
  );
}

function formatAge(seconds: number): string {
  if (seconds < 0) return `${formatAge(-seconds)} in the future, i.e. not`;
  if (seconds >= 86400) return `${(seconds / 86400).toFixed(1)}d`;
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(1)}h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(1)}m`;
  return `${Math.round(seconds)}s`;
}
