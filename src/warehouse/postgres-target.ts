import type { BaseTarget } from "../project/targets.js";
import type { TargetKind } from "./target-kind.js";

/** A PostgreSQL target with `${VAR}` expanded. */
export interface PostgresTarget extends BaseTarget {
  type: "postgres";
  url: string;
  schema: string;
  statementTimeout?: string;
}

/** `type: postgres`: PostgreSQL 13 or later (pg, pg-copy-streams). */
export const postgresTarget: TargetKind<PostgresTarget> = {
  dialect: "postgres",
  resolve(ctx) {
    const url = ctx.expand("url");
    if (ctx.raw.url === undefined) ctx.problem(`postgres target '${ctx.name}' needs 'url'`);
    const schema = ctx.expand("schema") ?? ctx.config.name;
    // Quoted everywhere, but also written into comments of the compiled files: no control characters.
    if (!/^[^\p{Cc}]{1,63}$/u.test(schema))
      ctx.problem(
        `schema ${JSON.stringify(schema)} of target '${ctx.name}' must be 1 to 63 characters without control characters (after \${VAR} expansion); e.g. schema: features`,
        "schema",
      );
    return {
      name: ctx.name,
      type: "postgres",
      url: url ?? "",
      schema,
      statementTimeout: ctx.expand("statement_timeout"),
    };
  },
  mayHoldData: () => true,
  async open(target, opts) {
    const { PostgresWarehouse } = await import("./postgres.js");
    return PostgresWarehouse.open(target, opts.registry);
  },
};
