import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic, SourceLocation } from "../diagnostics/diagnostic.js";
import { expandEnv } from "./env.js";
import type { ProjectConfig, RawTarget } from "./read-project.js";
import { locate } from "./yaml-file.js";

/** What every resolved target has, whatever its type (each type adds its own settings). */
export interface BaseTarget {
  /** The target's name under `targets:` in fcompile.yaml. */
  name: string;
  /** The target's `type:` (a key of TARGETS in src/warehouse/targets.ts). */
  type: string;
  /** Schema fcompile creates its tables in. */
  schema: string;
}

/** A raw setting of a target, by its key in fcompile.yaml. */
export type RawTargetKey = Exclude<keyof RawTarget, "type">;

/**
 * What a target type's resolver gets: the raw settings, `${VAR}` expansion that reports unset
 * variables at the setting's line, and a way to report other problems there.
 */
export interface TargetResolveContext {
  config: ProjectConfig;
  /** The target's name. */
  name: string;
  raw: RawTarget;
  /** The setting `key` with `${VAR}` / `${VAR:-default}` expanded; an unset variable is an FC014 at its line. */
  expand(key: RawTargetKey): string | undefined;
  /** Reports a problem (FC013) with the target, at `key` or at the target itself. */
  problem(message: string, key?: RawTargetKey): void;
  /** Where a setting (or the target) is written. */
  at(key?: RawTargetKey | "type"): SourceLocation;
}

/** A problem found while resolving a target, with the setting it is about (for `build`, which reads only some). */
export interface TargetProblem {
  key?: RawTargetKey;
  diagnostic: Diagnostic;
}

/** The target a command uses: `name`, else the project's `target`, else the first one. Unknown names are FC015. */
export function chooseTarget(config: ProjectConfig, name?: string): { name: string; raw: RawTarget } {
  const chosen = name ?? config.target ?? Object.keys(config.targets)[0]!;
  const raw = config.targets[chosen];
  if (!raw) {
    const problem: Diagnostic = {
      code: "FC015",
      severity: "error",
      message: `no target '${chosen}' in fcompile.yaml; known targets: ${Object.keys(config.targets).join(", ")}`,
      at: { file: "<command line>", line: 1, col: 1 },
    };
    throw new FcUserError([problem]);
  }
  return { name: chosen, raw };
}

/**
 * A resolve context for one target; problems go to `problems`. Each target type's resolver
 * (src/warehouse/<type>-target.ts) reads its settings through it.
 */
export function targetResolveContext(config: ProjectConfig, name: string, problems: TargetProblem[]): TargetResolveContext {
  const raw = config.targets[name]!;
  const at = (key?: RawTargetKey | "type"): SourceLocation =>
    locate(config.file, key !== undefined && raw[key] !== undefined ? ["targets", name, key] : ["targets", name]);
  return {
    config,
    name,
    raw,
    at,
    expand(key) {
      const v = raw[key];
      if (v === undefined) return undefined;
      const { value, missing } = expandEnv(String(v));
      for (const m of missing) {
        problems.push({
          key,
          diagnostic: {
            code: "FC014",
            severity: "error",
            message: `environment variable ${m} is not set (used by target '${name}'); set it or write \${${m}:-default}`,
            at: at(key),
          },
        });
      }
      return value;
    },
    problem(message, key) {
      problems.push({ key, diagnostic: { code: "FC013", severity: "error", message, at: at(key) } });
    },
  };
}
