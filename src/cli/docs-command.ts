import type { Command } from "commander";
import { usageError } from "../diagnostics/diagnostic.js";
import { integerOption, withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { printDiagnostics, runCommand } from "./output.js";

interface DocsFlags extends CommonOptions {
  serve?: boolean;
  port: string;
  host: string;
}

export function registerDocs(program: Command): void {
  withProjectOptions(program.command("docs"))
    .description("write a browsable catalog of the features to target/docs/ (offline; --serve to serve it)")
    .option("--serve", "then serve target/docs/ over HTTP on loopback until Ctrl-C")
    .option("--port <port>", "TCP port for --serve (0: any free port)", "8080")
    .option("--host <host>", "interface for --serve: a loopback address (127.0.0.1, ::1, localhost)", "127.0.0.1")
    .addHelpText(
      "after",
      `
Writes target/docs/index.html and its assets: open it in a browser straight from disk (no server,
no network). It has a search over names, descriptions, owners and tags; a page per feature with
its description, type, owner, tags, view, entities, the services that use it, the expected update
frequency (freshness:) and how fresh the view was, the last test results, its drift check (PSI
and band, KS, pass or fail, against which baseline profile, the bins that moved most), a
distribution plot from the newest saved profile holding values of it (and the drift baseline's,
when another), and its
lineage; pages for views and services; and the lineage graph from sources through views to
services.

Reads the project as 'fcompile ls' does (no database), profiles/*.json ('fcompile profile --save
NAME': the newest holding values of each feature, and drift baselines), and
target/test_results.json when 'fcompile test' has written it. A profile of another version, or
either file (or an entry of it) lacking fields, is skipped with a warning. 'fcompile build'
replaces target/, docs included: run docs after.

Exit code: 0; 1 when the project is wrong, or when --serve cannot listen (a --port in use: pass
another, or --port 0 for any free one); 2 on a usage error.

Examples:
  fcompile docs && xdg-open target/docs/index.html
  fcompile docs --serve --port 8080`,
    )
    .action((opts: DocsFlags) =>
      runCommand("docs", async () => {
        const port = integerOption("--port", opts.port, 0, 65535);
        const { isLoopbackHost, listenHost } = await import("../server/bearer-auth.js");
        if (opts.serve && !isLoopbackHost(opts.host))
          throw usageError(`--host '${opts.host}' is not a loopback address: the catalog is served to this machine only`);
        const { docs, serveDocs } = await import("../commands/docs.js");
        const r = await docs({ projectDir: opts.project, target: opts.target });
        printDiagnostics(r.diagnostics);
        process.stdout.write(
          `wrote ${r.dir}/index.html: ${r.features} feature${r.features === 1 ? "" : "s"} (${r.profiled} with a profile), ` +
            `${r.views} view${r.views === 1 ? "" : "s"}, ${r.services} service${r.services === 1 ? "" : "s"}` +
            `${r.testResults ? ", last test results" : ""}\n`,
        );
        if (!opts.serve) return;
        const { server, url } = await serveDocs(r.dir, listenHost(opts.host), port);
        process.stdout.write(`serving the catalog at ${url} (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            server.close(() => resolve());
            server.closeAllConnections();
          };
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      }),
    );
}
