import path from "node:path";
import type { Server } from "node:http";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { buildCatalog } from "../governance/docs/catalog-data.js";
import { readSavedProfiles } from "../governance/docs/profiles.js";
import { serveSite } from "../governance/docs/serve-site.js";
import { listenError } from "../server/listen-error.js";
import { siteFiles } from "../governance/docs/site-files.js";
import { readTestResults } from "../governance/docs/test-results.js";
import { writeDirAtomically } from "./target-dir.js";
import { loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** What `fcompile docs` wrote. */
export interface DocsResult {
  /** The catalog folder, `<project>/target/docs`. */
  dir: string;
  features: number;
  views: number;
  services: number;
  /** Features with a saved profile (a distribution plot). */
  profiled: number;
  /** Whether target/test_results.json was read. */
  testResults: boolean;
  diagnostics: Diagnostic[];
}

/**
 * `fcompile docs`: the static catalog in `target/docs/` (docs/governance.md, "fcompile docs"):
 * reads the project as `ls` does (no database), the saved profiles (`profiles/*.json`: the
 * newest of each feature, and drift baselines) and the last test results
 * (`target/test_results.json`, if any); writes index.html with its data and assets atomically (the
 * old folder stays whole on error). Throws FcUserError when the project is wrong.
 */
export async function docs(opts: ProjectOptions, now = new Date()): Promise<DocsResult> {
  const { registry, diagnostics } = await loadProject(opts.projectDir);
  const profiles = readSavedProfiles(opts.projectDir);
  const tests = readTestResults(opts.projectDir);
  const data = buildCatalog(registry, profiles, tests.results, now.toISOString());
  const dir = path.join(opts.projectDir, "target", "docs");
  writeDirAtomically(dir, siteFiles(data));
  return {
    dir,
    features: data.features.length,
    views: data.views.length,
    services: data.services.length,
    profiled: data.features.filter((f) => f.profile).length,
    testResults: tests.results !== undefined,
    diagnostics: [...diagnostics, ...profiles.diagnostics, ...tests.diagnostics],
  };
}

/**
 * `fcompile docs --serve`: serves `dir` on `host:port` (0: any free port); resolves once it
 * listens. Throws FC015 (src/server/listen-error.ts) when it cannot: a port in use, say.
 */
export async function serveDocs(dir: string, host: string, port: number): Promise<{ server: Server; url: string }> {
  try {
    return await serveSite(dir, host, port);
  } catch (err) {
    throw listenError(host, port, err);
  }
}
