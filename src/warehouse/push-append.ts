import type { PushAppendPlan } from "../compile/push-append.js";
import type { StatementEngine } from "./execute.js";
import { WarehouseError } from "./warehouse.js";

/** A value of a pushed row the warehouse cannot cast to its column's type (row numbers 1-based). */
export interface BadPushedValue {
  row: number;
  column: string;
  value: string;
  type: string;
}

/** What an offline push did: rows appended (the others were duplicates by `dedupe_key`), or the values that do not convert. */
export type AppendResult = { appended: number } | { bad: BadPushedValue[] };

/** How one engine runs an offline push. */
export interface PushAppendEngine extends StatementEngine {
  /** Starts the transaction (and takes the schema's lock that `run` and `materialize` take, where there is one). */
  begin: string[];
  /** Statements that make `castable` usable (run only when looking for bad values). */
  castableSetup: string[];
  /** An SQL condition: the text `value` casts to `type` (a type name as the engine writes it). */
  castable(value: string, type: string): string;
  /** Writes rows into the staging table faster than `INSERT … VALUES` (fc_row numbered from 1), where the engine can. */
  stage?(table: string, rows: readonly (readonly (string | null)[])[]): Promise<void>;
}

const BATCH = 1000;

/**
 * Runs an offline push in one transaction: stage the rows, cast and deduplicate them, append them
 * to the source's relation and to `pushed__<source>`, commit. A value that does not cast rolls
 * everything back; the values that do not cast are then found (in a second transaction, rolled
 * back too) and returned, every one, with its row. Other failures are thrown as WarehouseError.
 * `checkOnly`: only look for such values (writes nothing).
 */
export async function executePushAppend(
  engine: PushAppendEngine,
  plan: PushAppendPlan,
  rows: readonly (readonly (string | null)[])[],
  { checkOnly = false }: { checkOnly?: boolean } = {},
): Promise<AppendResult> {
  const what = `pushing rows offline to source '${plan.source}'`;
  const run = async (sql: string): Promise<Record<string, unknown>[]> => engine.execute(sql, what);
  const stage = async (): Promise<void> => {
    for (const sql of [...engine.begin, ...plan.prepare]) await run(sql);
    if (engine.stage) await engine.stage(plan.stageTable, rows);
    else for (let i = 0; i < rows.length; i += BATCH) await run(plan.stageRows(rows.slice(i, i + BATCH), i + 1));
  };
  let failure: unknown;
  if (!checkOnly)
    try {
      await stage();
      try {
        for (const sql of plan.typed) await run(sql);
      } catch (err) {
        failure = err;
      }
      if (failure === undefined) {
        let appended = 0;
        for (const sql of plan.append) {
          const r = await run(sql);
          if (r[0] && "appended" in r[0]) appended = Number(r[0].appended);
        }
        for (const sql of plan.cleanup) await run(sql);
        await run("COMMIT");
        return { appended };
      }
    } catch (err) {
      await engine.rollback();
      throw err;
    }
  if (!checkOnly) await engine.rollback();
  // The cast failed (or only a check was asked for): find every value that does not convert, then leave nothing behind.
  let bad: BadPushedValue[];
  try {
    await stage();
    for (const sql of engine.castableSetup) await run(sql);
    bad = (await run(plan.badValues((v, t) => engine.castable(v, t)))).map((r) => ({
      row: Number(r.fc_row),
      column: String(r.fc_column),
      value: String(r.fc_value),
      type: String(r.fc_type),
    }));
  } finally {
    await engine.rollback();
  }
  if (checkOnly) return { bad };
  if (bad.length === 0) throw failure instanceof Error ? failure : new WarehouseError(`${what}: ${String(failure)}`);
  return { bad };
}
