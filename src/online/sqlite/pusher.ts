import Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import { SQLITE_SCHEMA } from "../layout.js";
import type { EncodedPush } from "../push/encode.js";
import { PLAIN_ORDER_BYTES } from "../push/encode.js";
import type { PushOutcome } from "../store-reader.js";

/**
 * The SQLite side of a push (docs/push.md): one IMMEDIATE transaction applies one step — the
 * version check, dedupe, lateness, the newest-seen update and every write — so it is all or
 * nothing, and pushes from several processes apply one after another. Same rules as the Redis
 * script (src/online/redis/push-script.ts).
 */
export class SqlitePusher {
  private readonly db: Database.Database;
  private readonly st: Record<string, Statement>;
  private readonly apply_: Database.Transaction<(batch: EncodedPush) => PushOutcome>;

  constructor(path: string, project: string, timeoutMs: number) {
    this.db = new Database(path, { fileMustExist: true, timeout: Math.max(timeoutMs, 5000) });
    this.db.exec(SQLITE_SCHEMA);
    const db = this.db;
    this.st = {
      pointer: db.prepare("SELECT version FROM fc_pointer WHERE project = ? AND view = ?").pluck(),
      newest: db.prepare("SELECT micros FROM fc_push_newest WHERE project = ? AND view = ?").pluck().safeIntegers(),
      setNewest: db.prepare("INSERT OR REPLACE INTO fc_push_newest VALUES (?, ?, ?)"),
      hasId: db.prepare("SELECT 1 FROM fc_pushed_ids WHERE project = ? AND source = ? AND id = ?").pluck(),
      addId: db.prepare("INSERT INTO fc_pushed_ids VALUES (?, ?, ?, ?)"),
      trimIds: db.prepare("DELETE FROM fc_pushed_ids WHERE project = ? AND source = ? AND micros < ?"),
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
      let duplicates = 0;
      for (const row of batch.rows) {
        if (batch.dedupe && row.id !== null) {
          if (st.hasId!.get(project, batch.source, row.id) !== undefined) {
            duplicates++;
            continue;
          }
          st.addId!.run(project, batch.source, row.id, row.ts);
        }
        targets.forEach((t, j) => {
          if (t.lateness !== null && row.ts < newest[j]! - t.lateness) {
            late[j]!++;
            return;
          }
          const e = row.entries[j]!;
          if (t.kind === "aggregation") {
            if (row.ts >= t.end) {
              const old = st.pushed!.get(project, t.view, e.key) as Buffer | undefined;
              st.setPushed!.run(project, t.view, e.key, old ? Buffer.concat([old, e.value]) : e.value);
            } else {
              const old = st.value!.get(t.version, e.key) as Buffer | undefined;
              st.setValue!.run(t.version, e.key, old ? Buffer.concat([old, e.value]) : e.value);
            }
          } else {
            const old = st.pushed!.get(project, t.view, e.key) as Buffer | undefined;
            if (!old || Buffer.compare(old.subarray(0, PLAIN_ORDER_BYTES), Buffer.from(e.value.subarray(0, PLAIN_ORDER_BYTES))) <= 0)
              st.setPushed!.run(project, t.view, e.key, e.value);
          }
          applied[j]!++;
          if (row.ts > newest[j]!) {
            newest[j] = row.ts;
            changed[j] = true;
          }
        });
      }
      targets.forEach((t, j) => changed[j] && st.setNewest!.run(project, t.view, newest[j]));
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

  apply(batch: EncodedPush): PushOutcome {
    return this.apply_.immediate(batch);
  }

  close(): void {
    this.db.close();
  }
}
