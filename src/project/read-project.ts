import { statSync } from "node:fs";
import path from "node:path";
import type { DiagnosticBag, SourceLocation } from "../diagnostics/diagnostic.js";
import { listYamlFiles, readTextIfExists, relativeToProject } from "./project-files.js";
import { checkAgainstSchema } from "./schema-check.js";
import { locate, parseYamlFile } from "./yaml-file.js";
import type { YamlFile } from "./yaml-file.js";

/** A target as written in fcompile.yaml (values not yet expanded from the environment). */
export interface RawTarget {
  type: "duckdb" | "postgres";
  path?: string;
  url?: string;
  schema?: string;
  threads?: number;
  memory_limit?: string;
  statement_timeout?: string;
}

/** fcompile.yaml, checked against its schema. */
export interface ProjectConfig {
  /** Absolute project folder. */
  dir: string;
  name: string;
  definitions: string[];
  target?: string;
  targets: Record<string, RawTarget>;
  online: { type: "sqlite" | "redis"; path?: string; url?: string };
  /** `lint:` as written (src/governance/lint/config.ts reads it); undefined when absent or malformed (reported). */
  lint?: unknown;
  file: YamlFile;
}

/** A definition file with the JSON paths that failed the schema (later stages skip those objects). */
export interface DefinitionFile {
  yaml: YamlFile;
  broken: Set<string>;
  /** JSON pointers of unknown keys (reported; the objects holding them are not broken). */
  unknownKeys: Set<string>;
}

/** Everything read from disk, before meaning is given to it. */
export interface RawProject {
  config: ProjectConfig;
  files: DefinitionFile[];
}

/**
 * Reads fcompile.yaml and every definition file; all problems go to `bag` (callers check
 * `bag.hasErrors`). Undefined when fcompile.yaml cannot be read, or its name or definition folders
 * are wrong; a wrong target or online store is reported and the definitions are still read.
 */
export function readProject(dir: string, bag: DiagnosticBag): RawProject | undefined {
  const abs = path.resolve(dir);
  const configPath = path.join(abs, "fcompile.yaml");
  const text = readTextIfExists(configPath);
  const at: SourceLocation = { file: "fcompile.yaml", line: 1, col: 1 };
  if (text === undefined) {
    bag.error("FC011", `no fcompile.yaml in ${abs}; pass --project DIR or create a project with 'fcompile init DIR'`, at);
    return undefined;
  }
  const yaml = parseYamlFile(text, "fcompile.yaml", configPath, bag);
  if (!yaml) return undefined;
  const broken = [...checkAgainstSchema(yaml, "config", bag)];
  // A wrong target or online store is reported and the definitions are still read and checked (every
  // problem in one run); the project's name and definition folders are needed to go on.
  const beside = (p: string): boolean => /^\/(targets|target|online|lint)(\/|$)/.test(p);
  if (broken.some((p) => !beside(p))) return undefined;
  const raw = (yaml.value ?? {}) as Partial<ProjectConfig>;
  const config: ProjectConfig = {
    dir: abs,
    name: raw.name!,
    definitions: raw.definitions ?? ["definitions"],
    target: raw.target,
    targets: raw.targets ?? { local: { type: "duckdb", path: "warehouse.duckdb" } },
    online: raw.online ?? { type: "sqlite", path: "online.sqlite" },
    lint: broken.some((p) => p.startsWith("/lint")) ? undefined : raw.lint,
    file: yaml,
  };
  const targetsMap = typeof config.targets === "object" && config.targets !== null && !Array.isArray(config.targets);
  if (targetsMap && config.target !== undefined && !(config.target in config.targets)) {
    bag.error("FC013", `default target '${config.target}' is not defined under 'targets'`, locate(yaml, ["target"]));
  }
  const files: DefinitionFile[] = [];
  for (const [i, defDir] of config.definitions.entries()) {
    const full = path.resolve(abs, defDir);
    const found = listYamlFiles(full);
    if (!isDir(full)) {
      bag.error("FC011", `definitions folder '${defDir}' does not exist`, locate(yaml, ["definitions", i]));
    }
    for (const f of found) {
      const rel = relativeToProject(abs, f);
      if (rel.startsWith("target/")) continue;
      const y = parseYamlFile(readTextIfExists(f) ?? "", rel, f, bag);
      if (!y) continue;
      const unknownKeys = new Set<string>();
      files.push({ yaml: y, broken: checkAgainstSchema(y, "definitions", bag, unknownKeys), unknownKeys });
    }
  }
  return { config, files };
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
