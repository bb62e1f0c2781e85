/**
 * `fcompile test --junit FILE`: the results as JUnit XML (the Ant/Jenkins schema CI systems read):
 * one `<testsuite>` per view, one `<testcase>` per data test and per freshness check; a failed
 * test or a view past error_after is a `<failure>`, a view past warn_after passes with a
 * `<system-out>` warning. Text and attributes are escaped; characters XML 1.0 cannot hold are dropped.
 */
import type { TestResult } from "./results.js";
import { driftSummary } from "./results.js";

interface Case {
  name: string;
  failure?: { message: string; type: string; text: string };
  out?: string;
}

/** The JUnit XML document of a result. */
export function junitXml(r: TestResult): string {
  const suites = new Map<string, Case[]>();
  const suite = (view: string): Case[] => suites.get(view) ?? suites.set(view, []).get(view)!;
  for (const t of r.tests)
    suite(t.view).push({
      name: t.name,
      ...(t.status === "fail"
        ? {
            failure: {
              message: t.kind === "drift" ? driftSummary(t) : `${t.failing} failing row${t.failing === 1 ? "" : "s"}`,
              type: t.kind,
              text: `${t.file}\n${t.sample.map((row) => JSON.stringify(row)).join("\n")}`,
            },
          }
        : t.kind === "drift"
          ? { out: driftSummary(t) }
          : {}),
    });
  for (const f of r.freshness) {
    const text = `newest event ${f.newest ?? "none"} at ${r.at} (warn_after ${f.warnAfter ?? "-"}, error_after ${f.errorAfter ?? "-"})`;
    suite(f.view).push({
      name: "freshness",
      ...(f.status === "fail" ? { failure: { message: `stale: ${text}`, type: "freshness", text } } : {}),
      ...(f.status === "warn" ? { out: `warning: stale: ${text}` } : {}),
    });
  }
  const all = [...suites.values()].flat();
  const failures = (cs: Case[]): number => cs.filter((c) => c.failure).length;
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="fcompile test" tests="${all.length}" failures="${failures(all)}" errors="0">`,
  ];
  for (const [view, cases] of suites) {
    lines.push(
      `  <testsuite name=${attr(view)} tests="${cases.length}" failures="${failures(cases)}" errors="0" skipped="0" timestamp=${attr(r.at.replace(" ", "T"))}>`,
    );
    for (const c of cases) {
      const open = `    <testcase classname=${attr(`${r.project}.${view}`)} name=${attr(c.name)}`;
      if (!c.failure && !c.out) {
        lines.push(`${open}/>`);
        continue;
      }
      lines.push(`${open}>`);
      if (c.failure)
        lines.push(`      <failure message=${attr(c.failure.message)} type=${attr(c.failure.type)}>${text(c.failure.text)}</failure>`);
      if (c.out) lines.push(`      <system-out>${text(c.out)}</system-out>`);
      lines.push(`    </testcase>`);
    }
    lines.push(`  </testsuite>`);
  }
  lines.push(`</testsuites>`);
  return lines.join("\n") + "\n";
}

/** Text XML 1.0 can hold: characters outside its Char production are dropped. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "");
}

function text(s: string): string {
  return clean(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function attr(s: string): string {
  return `"${text(s).replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;")}"`;
}
