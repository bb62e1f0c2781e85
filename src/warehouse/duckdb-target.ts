import { existsSync } from "node:fs";
import path from "node:path";
import type { BaseTarget } from "../project/targets.js";
import type { TargetKind } from "./target-kind.js";

/** A DuckDB target with paths resolved. */
export interface DuckDbTarget extends BaseTarget {
  type: "duckdb";
  /** Absolute path of the database file, or ":memory:". */
  path: string;
  /** Schema fcompile writes into: the project name. */
  schema: string;
  threads?: number;
  memoryLimit?: string;
}

/** `type: duckdb`: the embedded default warehouse (@duckdb/node-api). */
export const duckdbTarget: TargetKind<DuckDbTarget> = {
  dialect: "duckdb",
  resolve(ctx) {
    const p = ctx.expand("path") ?? `${ctx.config.name}.duckdb`;
    return {
      name: ctx.name,
      type: "duckdb",
      path: p === ":memory:" ? p : path.resolve(ctx.config.dir, p),
      schema: ctx.config.name,
      threads: ctx.raw.threads,
      memoryLimit: ctx.expand("memory_limit"),
    };
  },
  mayHoldData: (target) => target.path !== ":memory:" && existsSync(target.path),
  async open(target, opts) {
    const { DuckDbWarehouse } = await import("./duckdb.js");
    return DuckDbWarehouse.open(target, opts.projectDir, opts.readOnly);
  },
};
