import { DIALECTS } from "../dialects/index.js";
import type { Dialect } from "../dialects/dialect.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { chooseTarget, targetResolveContext } from "../project/targets.js";
import type { BaseTarget, TargetProblem } from "../project/targets.js";
import type { ProjectConfig } from "../project/read-project.js";
import { duckdbTarget } from "./duckdb-target.js";
import { postgresTarget } from "./postgres-target.js";
import type { OpenOptions, TargetKind } from "./target-kind.js";
import type { Warehouse } from "./warehouse.js";

/**
 * Every target type, by its `type:` in fcompile.yaml: its dialect, how its settings resolve, how
 * its warehouse opens. A new type is one line here (docs/adding-a-dialect.md); TargetType and
 * TargetConfig follow. `type:` values not in here are a diagnostic, never a default (the `type`
 * enum of src/project/config.schema.json lists the same keys; test/targets.test.ts checks it).
 */
export const TARGETS = {
  duckdb: duckdbTarget,
  postgres: postgresTarget,
} as const satisfies Record<string, TargetKind<BaseTarget>>;

/** The target types fcompile runs on (the `type:` of a target in fcompile.yaml). */
export type TargetType = keyof typeof TARGETS;

/** The resolved settings of one target type. */
export type TargetConfigOf<K extends TargetType> = ReturnType<(typeof TARGETS)[K]["resolve"]>;

/** A resolved target of any type. */
export type TargetConfig = { [K in TargetType]: TargetConfigOf<K> }[TargetType];

/** Whether `type` is a known target type. */
export function isTargetType(type: string): type is TargetType {
  return Object.hasOwn(TARGETS, type);
}

/** Whether a target's warehouse can hold anything yet, without opening it (TargetKind.mayHoldData). */
export function warehouseMayHoldData(target: TargetConfig): boolean {
  return (TARGETS[target.type] as TargetKind<TargetConfig>).mayHoldData(target);
}

/** The dialect a target's SQL is compiled to. */
export function targetDialect(target: TargetConfig): Dialect {
  return DIALECTS[TARGETS[target.type].dialect];
}

/** FC013 at a target's `type:` when no target type has that name. */
function unknownType(config: ProjectConfig, name: string): TargetProblem {
  const raw = config.targets[name]!;
  const ctx = targetResolveContext(config, name, []);
  return {
    diagnostic: {
      code: "FC013",
      severity: "error",
      message: `target '${name}' has unknown type '${String(raw.type)}'; known types: ${Object.keys(TARGETS).join(", ")}`,
      at: ctx.at("type"),
    },
  };
}

/** Resolves one target of a known or unknown type; the problems found go to `problems`. */
function resolveNamed(config: ProjectConfig, name: string, problems: TargetProblem[]): TargetConfig | undefined {
  const type = String(config.targets[name]!.type);
  if (!isTargetType(type)) {
    problems.push(unknownType(config, name));
    return undefined;
  }
  const kind = TARGETS[type] as TargetKind<TargetConfig>;
  return kind.resolve(targetResolveContext(config, name, problems));
}

/**
 * Picks a target by name (default: the project's `target`, else the first one) and resolves it.
 * Throws FcUserError: FC015 for an unknown name, FC013 for an unknown type or a missing setting,
 * FC014 for an unset `${VAR}` — located at the setting in fcompile.yaml.
 */
export function resolveTarget(config: ProjectConfig, name?: string): TargetConfig {
  const chosen = chooseTarget(config, name);
  const problems: TargetProblem[] = [];
  const target = resolveNamed(config, chosen.name, problems);
  if (problems.length > 0 || !target) throw new FcUserError(problems.map((p) => p.diagnostic));
  return target;
}

/**
 * What `build` compiles: for every dialect the project's targets use, the schema of the first
 * target of that dialect, `${VAR}`s expanded. Only the settings compilation reads (`type`,
 * `schema`) must resolve: an unset variable in a `url` is not needed to compile and is left to
 * the commands that connect. Problems are returned, located.
 */
export function compileTargets(config: ProjectConfig): { targets: { dialect: Dialect; schema: string }[]; diagnostics: Diagnostic[] } {
  const byDialect = new Map<string, { dialect: Dialect; schema: string }>();
  const diagnostics: Diagnostic[] = [];
  for (const name of Object.keys(config.targets)) {
    const problems: TargetProblem[] = [];
    const target = resolveNamed(config, name, problems);
    const relevant = problems.filter((p) => !target || p.key === "schema");
    diagnostics.push(...relevant.map((p) => p.diagnostic));
    if (!target || relevant.length > 0) continue;
    const dialect = targetDialect(target);
    if (!byDialect.has(dialect.name)) byDialect.set(dialect.name, { dialect, schema: target.schema });
  }
  return { targets: [...byDialect.values()], diagnostics };
}

/** Opens a target's warehouse through its target type (the driver is imported then). */
export async function openTarget(target: TargetConfig, opts: OpenOptions): Promise<Warehouse> {
  return (TARGETS[target.type] as TargetKind<TargetConfig>).open(target, opts);
}

/**
 * The node-sql-parser grammars that check user SQL (`build`, FC008): each dialect's `sqlGrammar`,
 * for the dialects the project's targets use (PostgreSQL's when none is known).
 */
export function sqlGrammars(config: ProjectConfig): string[] {
  const grammars = Object.values(config.targets).flatMap((t) => {
    // `t` may be anything when fcompile.yaml's targets are wrong (reported; definitions are still checked).
    const type = String((t as { type?: unknown } | null)?.type);
    return isTargetType(type) ? [DIALECTS[TARGETS[type].dialect].sqlGrammar] : [];
  });
  return grammars.length > 0 ? [...new Set(grammars)] : ["postgresql"];
}
