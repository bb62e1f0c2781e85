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

/**
 * Watches the commands Redis runs on a project's keys, through MONITOR on a raw socket. (ioredis's
 * own monitor() can throw "Command queue state error" when another client's command is logged in
 * the same packet as MONITOR's reply, which happens while other tests use the server.)
 * `seen` gets each command's name, lower-case, for every command with an argument under `fc:<project>:`.
 */
export async function monitorProject(project: string, url = REDIS_URL): Promise<{ seen: string[]; close: () => void }> {
  const { createConnection } = await import("node:net");
  const u = new URL(url);
  const socket = createConnection({ host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 6379) });
  const seen: string[] = [];
  const marker = `"fc:${project}:`;
  let buffered = "";
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.once("connect", () => {
      if (u.password) socket.write(`AUTH ${decodeURIComponent(u.password)}\r\n`);
      socket.write("MONITOR\r\n");
    });
    socket.on("data", (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\r\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === "+OK") resolve();
        else if (line.includes(marker)) {
          const m = /\] "([^"]+)"/.exec(line);
          if (m) seen.push(m[1]!.toLowerCase());
        }
      }
    });
  });
  return { seen, close: () => socket.destroy() };
}
