/** The Redis store's URL as users see it in messages. Imports nothing (the client loads it before any driver). */

/** The default Redis URL when fcompile.yaml's `online:` gives none. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0";

/** A Redis URL with its password replaced by `***`, safe to print (`redis://user:***@host:6379/0`). */
export function redactRedisUrl(url: string = DEFAULT_REDIS_URL): string {
  return url.replace(/^([a-z]+:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const colon = auth.indexOf(":");
    // `redis://:secret@host` and `redis://user:secret@host` carry a password; `redis://secret@host` is read by ioredis as one too.
    return `${scheme}${colon < 0 ? "***" : `${auth.slice(0, colon)}:***`}@`;
  });
}
