import { DiagnosticBag, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { ProjectConfig } from "../project/read-project.js";
import { readProject } from "../project/read-project.js";
import { buildRegistry } from "./build-registry.js";
import { checkSqlViews } from "./sql-check.js";
import type { SqlSyntaxCheck } from "./sql-check.js";
import type { Registry } from "./types.js";

/** The outcome of reading and validating a project: a registry only when there are no errors. */
export interface LoadedProject {
  config?: ProjectConfig;
  registry?: Registry;
  diagnostics: Diagnostic[];
}

/** project → registry: reads, validates, and reports every problem found, sorted by position. */
export async function loadRegistry(projectDir: string, sqlFallback?: SqlSyntaxCheck): Promise<LoadedProject> {
  const bag = new DiagnosticBag();
  const raw = readProject(projectDir, bag);
  if (!raw) return { diagnostics: sortDiagnostics(bag.items) };
  const registry = buildRegistry(raw, bag);
  await checkSqlViews(registry, bag, sqlFallback);
  const diagnostics = sortDiagnostics(bag.items);
  return { config: raw.config, registry: bag.hasErrors ? undefined : registry, diagnostics };
}
