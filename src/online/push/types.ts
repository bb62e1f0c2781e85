/**
 * The public shapes of a push (docs/push.md): what `client.push` takes and answers, shared by
 * `fcompile push` and `POST /push`. Imports nothing at run time but the client's error class.
 */
import { OnlineError } from "../store-reader.js";

/**
 * Pushed events: rows (column → value), or columns (column → values, all of one length: Feast's
 * `df` shape). Values: join keys as the key's type (int64: bigint, a safe integer or decimal
 * text; string: text); the timestamp and timestamp columns as ISO 8601 text (no zone: UTC), a
 * Date, or bigint microseconds since 1970 UTC; numbers as number, bigint or decimal text;
 * booleans as boolean; null or a missing column for NULL.
 */
export type PushRows = Record<string, unknown>[] | Record<string, readonly unknown[]>;

/** What a push did (docs/push.md). */
export interface PushReport {
  /** Rows received. */
  rows: number;
  /** Per view updated by the push source: the rows written to it (neither late nor duplicate). */
  applied: Record<string, number>;
  /** Per view: the rows late for it (older than its newest event time by more than its `lateness`), not written to it. */
  late: Record<string, number>;
  /**
   * Rows skipped as duplicates by `dedupe_key`: pushed before (or earlier in the same request),
   * skipped by every view; or, older than an aggregation view's materialization end, already in
   * the events that view loaded, skipped by that view (docs/push.md, "Duplicates").
   */
  duplicates: number;
  /**
   * Views that read the source through SQL, which pushes do not update. The client cannot know
   * them (the store holds no SQL): `fcompile push` and `serve` fill it from the project.
   */
  notUpdated?: string[];
}

/** One bad pushed row: its 1-based number in the request, the column at fault if one, and why. */
export interface PushRowProblem {
  row: number;
  column?: string;
  reason: string;
}

/**
 * A push with bad rows: nothing of it was written. An OnlineError BAD_REQUEST whose `problems`
 * list every bad row (1-based row numbers).
 */
export class PushRowsError extends OnlineError {
  constructor(readonly problems: PushRowProblem[]) {
    super(
      "BAD_REQUEST",
      `${rowsAndProblems(problems)}, nothing pushed: ` +
        problems
          .slice(0, 5)
          .map((p) => `row ${p.row}${p.column ? ` (${p.column})` : ""}: ${p.reason}`)
          .join("; ") +
        (problems.length > 5 ? `; and ${problems.length - 5} more` : ""),
    );
    this.name = "PushRowsError";
  }
}

/** Options of `client.push`. */
export interface PushOptions {
  /**
   * Rows applied per atomic step (one Redis script, one SQLite transaction). Default 2000. A
   * request of more rows is checked whole first (any bad row: nothing written), then applied in
   * steps of this many rows, each all-or-nothing.
   */
  batchSize?: number;
}

/** `3 bad rows` — or `3 bad rows (4 problems)` when a row has more than one: rows counted once. */
export function rowsAndProblems(problems: readonly PushRowProblem[]): string {
  const rows = new Set(problems.map((p) => p.row)).size;
  const text = `${rows} bad row${rows === 1 ? "" : "s"}`;
  return problems.length === rows ? text : `${text} (${problems.length} problems)`;
}
