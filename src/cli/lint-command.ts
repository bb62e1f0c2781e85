import type { Command } from "commander";
import { LINT_RULES } from "../governance/lint/rules.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { printDiagnostics, runCommand } from "./output.js";

interface LintFlags extends CommonOptions {
  strict?: boolean;
  json?: boolean;
}

export function registerLint(program: Command): void {
  const rules = Object.entries(LINT_RULES)
    .map(([name, r]) => `  ${r.code}  ${name.padEnd(22)} ${r.summary}`)
    .join("\n");
  withProjectOptions(program.command("lint"))
    .description("check naming, duplicate computations, leakage and documentation of the definitions (no database needed)")
    .option("--strict", "make every finding an error (exit 1)")
    .option("--json", "print the findings as JSON (an array of {code, rule, severity, message, file, line, col}) on stdout")
    .addHelpText(
      "after",
      `
Rules (name: the key under 'lint: rules:' in fcompile.yaml, each off, warn (default) or error):
${rules}

Configure in fcompile.yaml:
  lint:
    rules: {view_freshness: off, wall_clock: error}
    naming: {type_words: [int, float, str]}

Exit code 0 when no finding is an error, 1 when one is (or the project is not valid), 2 on a usage error.
'fcompile build' prints the same findings (as warnings unless configured or --strict).

Examples:
  fcompile lint
  fcompile lint --strict          in CI: any finding fails
  fcompile lint --json | jq '.[] | select(.rule == "label_leak")'
  (docs/governance.md, "lint")`,
    )
    .action((opts: LintFlags) =>
      runCommand("lint", async () => {
        const r = await (await import("../commands/lint.js")).lint({ projectDir: opts.project, target: opts.target, strict: opts.strict });
        if (opts.json) {
          const rows = r.findings.map((d) => ({ code: d.code, rule: d.rule, severity: d.severity, message: d.message, ...d.at }));
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        } else {
          printDiagnostics([...r.projectDiagnostics, ...r.findings], r.ok ? "" : "lint failed");
          const warnings = r.findings.filter((d) => d.severity === "warning").length;
          const errors = r.findings.length - warnings;
          process.stdout.write(r.findings.length === 0 ? "lint ok: no findings\n" : `lint: ${errors} error(s), ${warnings} warning(s)\n`);
        }
        if (!r.ok) process.exitCode = 1;
      }),
    );
}
