import { Redis } from "ioredis";

/** The test Redis (CI starts it; a test that cannot reach it fails, never skips). */
export const REDIS_URL = process.env.FC_TEST_REDIS_URL ?? "redis://127.0.0.1:6379/0";

/** A project name of the test's own: every key it writes starts with `fc:<name>:`. */
export function testProject(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** Deletes every key of a project (`fc:<project>:*`); returns how many there were. */
export async function deleteProjectKeys(project: string, url = REDIS_URL): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let n = 0;
    for await (const keys of redis.scanStream({ match: `fc:${project}:*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) n += await redis.unlink(...keys);
    }
    return n;
  } finally {
    redis.disconnect();
  }
}

/** Keys of a project, sorted. */
export async function projectKeys(project: string, url = REDIS_URL): Promise<string[]> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const out: string[] = [];
    for await (const keys of redis.scanStream({ match: `fc:${project}:*`, count: 1000 }) as AsyncIterable<string[]>) out.push(...keys);
    return out.sort();
  } finally {
    redis.disconnect();
  }
}
