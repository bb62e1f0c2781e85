import Database from "better-sqlite3";
import { plural } from "../../diagnostics/plural.js";
import type { Statement } from "better-sqlite3";
import { setImmediate as yieldToLoop, setTimeout as sleep } from "node:timers/promises";
import { SQLITE_SCHEMA } from "../layout.js";
import type { EncodedPush } from "../push/encode.js";
import { PLAIN_ORDER_BYTES, entryBytes } from "../push/encode.js";
import { OnlineError } from "../store-reader.js";
import type { PushOutcome } from "../store-reader.js";

/** Longest pause between two tries of the write lock, in milliseconds. */
const MAX_LOCK_PAUSE_MS = 20;

/**
 * The SQLite side of a push (docs/push.md): one IMMEDIATE transaction applies one step — the
 * version check, dedupe, lateness, the newest-seen update and every write — so it is all or
 * nothing, and pushes from several processes apply one after another. Same rules as the Redis
 * script (src/online/redis/push-script.ts).
 *
 * Waiting for the write lock (held by a load for its whole transaction, or by another process's
 * push) never blocks the event loop: the connection's busy timeout is 0 and a step that finds the
 * lock taken is tried again after a pause (1, 2, 4 … 20 ms) until `timeoutMs` have passed, then
 * fails with OnlineError TIMEOUT, nothing of it written. Every step first yields to the event loop,
 * so a stream of pushes lets timers, I/O and reads of the same process run between steps (and other
 * processes' writers find the lock free between them).
 */
export class SqlitePusher {
  private readonly db: Database.Database;
  private readonly st: Record<string, Statement>;
  private readonly apply_: Database.Transaction<(batch: EncodedPush) => PushOutcome>;

  constructor(
    path: string,
    private readonly project: string,
    private readonly timeoutMs: number,
  ) {
    this.db = new Database(path, { fileMustExist: true, timeout: 0 });
    this.db.exec(SQLITE_SCHEMA);
    const db = this.db;
    this.st = {
      pointer: db.prepare("SELECT version FROM fc_pointer WHERE project = ? AND view = ?").pluck(),
      newest: db.prepare("SELECT micros FROM fc_push_newest WHERE project = ? AND view = ?").pluck().safeIntegers(),
      setNewest: db.prepare("INSERT OR REPLACE INTO fc_push_newest VALUES (?, ?, ?)"),
      hasId: db.prepare("SELECT 1 FROM fc_pushed_ids WHERE project = ? AND source = ? AND id = ?").pluck(),
      addId: db.prepare("INSERT INTO fc_pushed_ids VALUES (?, ?, ?, ?)"),
      trimIds: db.prepare("DELETE FROM fc_pushed_ids WHERE project = ? AND source = ? AND micros < ?"),
      loadedId: db.prepare("SELECT 1 FROM fc_loaded_ids WHERE version = ? AND id = ?").pluck(),
      pushed: db.prepare("SELECT value FROM fc_pushed WHERE project = ? AND view = ? AND key = ?").pluck(),
      setPushed: db.prepare("INSERT OR REPLACE INTO fc_pushed VALUES (?, ?, ?, ?)"),
      value: db.prepare("SELECT value FROM fc_values WHERE version = ? AND key = ?").pluck(),
      setValue: db.prepare("INSERT OR REPLACE INTO fc_values VALUES (?, ?, ?)"),
    };
    const st = this.st;
    this.apply_ = db.transaction((batch: EncodedPush): PushOutcome => {
      const { targets } = batch;
      for (const t of targets) if (st.pointer!.get(project, t.view) !== t.version) return { stale: t.view };
      const newest = targets.map((t) => {
        const seen = st.newest!.get(project, t.view) as bigint | undefined;
        return seen !== undefined && seen > t.end ? seen : t.end;
      });
      const changed = targets.map(() => false);
      const applied = targets.map(() => 0);
      const late = targets.map(() => 0);
      const appends = targets.map(() => new Map<string, Uint8Array[]>());
      const stateAppends = targets.map(() => new Map<string, Uint8Array[]>());
      const plain = targets.map(() => new Map<string, { value: Uint8Array | null; dirty: boolean }>());
      let duplicates = 0;
      for (let r = 0; r < batch.n; r++) {
        const id = batch.ids[r]!;
        const ts = BigInt(batch.ts[r]!);
        if (batch.dedupe && id !== null) {
          if (st.hasId!.get(project, batch.source, id) !== undefined) {
            duplicates++;
            continue;
          }
          st.addId!.run(project, batch.source, id, ts);
        }
        let loaded = false;
        targets.forEach((t, j) => {
          if (t.lateness !== null && ts < newest[j]! - t.lateness) {
            late[j]!++;
            return;
          }
          // An event already in this version's loaded state (its id recorded by load) counts once.
          if (batch.dedupe && id !== null && t.kind === "aggregation" && ts < t.end && st.loadedId!.get(t.version, id) !== undefined) {
            loaded = true;
            return;
          }
          const x = r * targets.length + j;
          const key = batch.keys[x]!;
          const value = entryBytes(batch, x);
          if (t.kind === "aggregation") {
            // Appends are gathered per key and written once at the end of the step (not the whole entry rewritten per row).
            const into = ts >= t.end ? appends[j]! : stateAppends[j]!;
            const parts = into.get(key);
            if (parts) parts.push(value);
            else into.set(key, [value]);
          } else {
            // The entity's latest row so far: read once per step, written once if a row replaced it.
            const latest = plain[j]!;
            let cur = latest.get(key);
            if (cur === undefined) {
              cur = { value: (st.pushed!.get(project, t.view, key) as Buffer | undefined) ?? null, dirty: false };
              latest.set(key, cur);
            }
            if (!cur.value || Buffer.compare(cur.value.subarray(0, PLAIN_ORDER_BYTES), value.subarray(0, PLAIN_ORDER_BYTES)) <= 0) {
              cur.value = value;
              cur.dirty = true;
            }
          }
          applied[j]!++;
          if (ts > newest[j]!) {
            newest[j] = ts;
            changed[j] = true;
          }
        });
        if (loaded) duplicates++;
      }
      targets.forEach((t, j) => {
        for (const [key, parts] of appends[j]!) {
          const old = st.pushed!.get(project, t.view, key) as Buffer | undefined;
          st.setPushed!.run(project, t.view, key, Buffer.concat(old ? [old, ...parts] : parts));
        }
        for (const [key, parts] of stateAppends[j]!) {
          const old = st.value!.get(t.version, key) as Buffer | undefined;
          st.setValue!.run(t.version, key, Buffer.concat(old ? [old, ...parts] : parts));
        }
        for (const [key, cur] of plain[j]!) if (cur.dirty) st.setPushed!.run(project, t.view, key, cur.value);
        if (changed[j]) st.setNewest!.run(project, t.view, newest[j]);
      });
      if (batch.dedupe && batch.trimIds) {
        const horizon = targets.reduce<bigint | null>((h, t, j) => {
          const x = newest[j]! - t.lateness!;
          return h === null || x < h ? x : h;
        }, null);
        if (horizon !== null) st.trimIds!.run(project, batch.source, horizon);
      }
      return { applied, late, duplicates };
    });
  }

  /** Applies one step in one IMMEDIATE transaction; OnlineError TIMEOUT if the write lock stays taken for `timeoutMs`. */
  async apply(batch: EncodedPush): Promise<PushOutcome> {
    const deadline = performance.now() + this.timeoutMs;
    for (let pause = 1; ; pause = Math.min(pause * 2, MAX_LOCK_PAUSE_MS)) {
      await yieldToLoop();
      try {
        return this.apply_.immediate(batch);
      } catch (err) {
        if ((err as { code?: string }).code !== "SQLITE_BUSY") throw err;
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new OnlineError(
          "TIMEOUT",
          `push to '${batch.source}' (project '${this.project}'): the online store ${this.db.name} stayed locked by another writer ` +
            `(a load, or pushes from another process) for ${this.timeoutMs} ms, so this step of ${plural(batch.n, "row")} was not written; ` +
            `push it again once the load has finished (with a dedupe_key on the source, rows already applied are skipped), ` +
            `or raise the client's timeoutMs above the time a load takes`,
        );
      await sleep(Math.min(pause, left));
    }
  }

  close(): void {
    this.db.close();
  }
}
