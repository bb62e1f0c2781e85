import type { DialectName } from "../dialects/index.js";
import type { BaseTarget, TargetResolveContext } from "../project/targets.js";
import type { Registry } from "../registry/types.js";
import type { Warehouse } from "./warehouse.js";

/** How a warehouse is opened for one command. */
export interface OpenOptions {
  /** The project folder (relative data paths resolve from it). */
  projectDir: string;
  registry: Registry;
  /** Only reads (`load`, `verify`): lets several processes read one embedded database at once. */
  readOnly: boolean;
}

/**
 * One target type of fcompile.yaml (`type: duckdb`, …): the dialect its SQL is compiled to, how its
 * settings resolve, and how its warehouse opens. `open` imports the driver only when called, so a
 * command that never opens this type never loads its driver.
 */
export interface TargetKind<T extends BaseTarget> {
  readonly dialect: DialectName;
  /** Resolves the target's settings (`${VAR}` expanded); problems go through `ctx`. */
  resolve(ctx: TargetResolveContext): T;
  open(target: T, opts: OpenOptions): Promise<Warehouse>;
  /**
   * Whether the warehouse can hold anything yet, without opening it (an embedded database file
   * that does not exist holds nothing, and opening it would create it). Read-only commands
   * (`status`, `clean`) skip a warehouse that cannot.
   */
  mayHoldData(target: T): boolean;
}
