import { DiagnosticBag, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectConfig } from "../project/read-project.js";
import { readProject } from "../project/read-project.js";
import { buildRegistry } from "./build-registry.js";
import type { DataFileOptions } from "./build-registry.js";
import { checkSqlViews } from "./sql-check.js";
import { compilePushFilters } from "./push-checks.js";
import type { SqlSyntaxCheck } from "./sql-check.js";
import type { Registry } from "./types.js";

/** The outcome of reading and validating a project: a registry only when there are no errors. */
export interface LoadedProject {
  config?: ProjectConfig;
  registry?: Registry;
  diagnostics: Diagnostic[];
}

/** How to load a project: the checks that need DuckDB are passed in (the registry cannot import it). */
export interface LoadOptions extends DataFileOptions {
  /** Checks SQL that the PostgreSQL grammar rejects with DuckDB's own parser. */
  sqlFallback?: SqlSyntaxCheck;
  /** The node-sql-parser grammars user SQL must parse in: those of the dialects the project's targets use. */
  sqlGrammars?: (config: ProjectConfig) => readonly string[];
}

/**
 * project → registry: reads, validates, and reports every problem found (errors and warnings),
 * sorted by position. The registry is there only when no diagnostic is an error.
 */
export async function loadRegistry(projectDir: string, opts: LoadOptions = {}): Promise<LoadedProject> {
  const bag = new DiagnosticBag();
  const raw = readProject(projectDir, bag);
  if (!raw) return { diagnostics: sortDiagnostics(bag.items) };
  const registry = await buildRegistry(raw, bag, opts);
  await checkSqlViews(registry, bag, opts.sqlFallback, opts.sqlGrammars?.(raw.config));
  compilePushFilters(registry, bag);
  const diagnostics = sortDiagnostics(bag.items);
  return { config: raw.config, registry: bag.hasErrors ? undefined : registry, diagnostics };
}
