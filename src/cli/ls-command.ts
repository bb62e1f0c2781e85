import { Argument } from "commander";
import type { Command } from "commander";
import { usageError } from "../diagnostics/diagnostic.js";
import { formatLines, formatTable } from "../governance/ls/format-list.js";
import { LIST_KINDS } from "../governance/ls/list-objects.js";
import type { ListFilter, ListKind } from "../governance/ls/list-objects.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { printDiagnostics, runCommand } from "./output.js";

interface LsFlags extends CommonOptions {
  owner?: string;
  tag: string[];
  json?: boolean;
}

export function registerLs(program: Command): void {
  withProjectOptions(program.command("ls"))
    .description("list the project's entities, sources, views, features and services (owner, tags, description)")
    .addArgument(new Argument("[kind]", "what to list (default: everything)").choices(LIST_KINDS))
    .option("--owner <owner>", "only objects with this owner (a feature's owner is its view's unless it sets one)")
    .option("--tag <key=value>", "only objects with this tag (k=v, or k for any value); repeat to require several", collect, [])
    .option("--json", "print a JSON array: kind, name, owner, tags, description, details")
    .addHelpText(
      "after",
      `
On a terminal, a table; piped, one object a line (its name when a kind is given, else 'kind name'),
for xargs and grep. A feature is named view:feature, and has its view's tags with its own over them.

Examples:
  fcompile ls
  fcompile ls features --owner growth-team
  fcompile ls views --tag tier=gold --tag pii
  fcompile ls services --json`,
    )
    .action((kind: ListKind | undefined, opts: LsFlags) =>
      runCommand("ls", async () => {
        const filter: ListFilter = { ...(opts.owner !== undefined ? { owner: opts.owner } : {}), tags: opts.tag.map(tagFilter) };
        const r = await (await import("../commands/ls.js")).ls({ projectDir: opts.project, target: opts.target, kind, filter });
        printDiagnostics(r.diagnostics);
        const one = kind !== undefined;
        process.stdout.write(
          opts.json
            ? `${JSON.stringify(r.objects, null, 2)}\n`
            : process.stdout.isTTY
              ? formatTable(r.objects, one)
              : formatLines(r.objects, one),
        );
      }),
    );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `k=v` or `k`; an empty key is a usage error. */
function tagFilter(text: string): ListFilter["tags"][number] {
  const eq = text.indexOf("=");
  const key = eq < 0 ? text : text.slice(0, eq);
  if (key.trim() === "") throw usageError(`--tag '${text}' has no key; write key=value, or key for any value`);
  return eq < 0 ? { key } : { key, value: text.slice(eq + 1) };
}
