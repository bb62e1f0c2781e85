import type { Redis } from "ioredis";
import type { ViewLayout } from "../layout.js";
import { redisKeys } from "../layout.js";
import { mergeAggregation } from "../push/merge.js";
import { parseTimestamp } from "../../timestamps.js";
import { TRIM_SCRIPT } from "./push-script.js";

/**
 * After a load's grace period: drops each aggregation view's pushed records older than its new
 * version's end (reads of that version skip them already; docs/push.md). Each key is rewritten
 * by a compare-and-swap of the prefix read (TRIM_SCRIPT), so records pushed meanwhile stay.
 * Returns the keys rewritten.
 */
export async function trimPushed(redis: Redis, project: string, layouts: readonly ViewLayout[]): Promise<number> {
  const k = redisKeys(project);
  let trimmed = 0;
  for (const l of layouts) {
    if (!l.push || !l.aggregation) continue;
    const end = parseTimestamp(l.end)!;
    const stream = redis.scanStream({ match: `${escapeGlob(k.pushPrefix(l.view))}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length === 0) continue;
      const values = await redis.mgetBuffer(...keys);
      for (const [i, key] of keys.entries()) {
        const v = values[i];
        if (!v) continue;
        const kept = mergeAggregation(null, v, end) ?? new Uint8Array(0);
        if (kept.length === v.length) continue;
        for (let attempt = 0; attempt < 3; attempt++) {
          if ((await redis.eval(TRIM_SCRIPT, 1, key, String(v.length), Buffer.from(kept))) === 1) break;
        }
        trimmed++;
      }
    }
  }
  return trimmed;
}

/** A key prefix as a SCAN pattern that matches it literally. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, "\\$&");
}

/**
 * After a load: removes every pushed entry of `views` (retired, or no longer over a push source)
 * and their newest-seen times. Pushes cannot write them any more: the switched pointer makes a
 * push of the old version stale, and the new layouts have no push. Returns the keys removed.
 */
export async function removePushed(redis: Redis, project: string, views: readonly string[]): Promise<number> {
  const k = redisKeys(project);
  let removed = 0;
  for (const view of views) {
    const stream = redis.scanStream({ match: `${escapeGlob(k.pushPrefix(view))}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) if (keys.length > 0) removed += await redis.unlink(...keys);
  }
  if (views.length > 0) await redis.hdel(k.newest, ...views);
  return removed;
}

/**
 * After a load: removes the pushed-ids set of every source that no loaded view reads as a push
 * source with a dedupe_key (`keep`: those that one does), so ids pushed before a source stopped
 * being one never make a later push of it a duplicate. Returns the sets removed.
 */
export async function removePushedIds(redis: Redis, project: string, keep: ReadonlySet<string>): Promise<number> {
  const prefix = redisKeys(project).pushedIds("");
  let removed = 0;
  const stream = redis.scanStream({ match: `${escapeGlob(prefix)}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    const doomed = keys.filter((key) => !keep.has(key.slice(prefix.length)));
    if (doomed.length > 0) removed += await redis.unlink(...doomed);
  }
  return removed;
}
