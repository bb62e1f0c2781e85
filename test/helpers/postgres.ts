import { userInfo } from "node:os";
import pg from "pg";

/** The test PostgreSQL server (CI starts it; a test that cannot reach it fails, never skips). */
export const PG_URL = process.env.FC_TEST_PG_URL ?? `postgres://${process.env.PGUSER ?? userInfo().username}@127.0.0.1:5432/test`;

/** A schema name of the test run's own, so runs and files never see each other's tables. */
export function testSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** Runs `fn` with a connected client, then closes it. */
export async function withPg<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot reach the test PostgreSQL at ${PG_URL} (start it: pg_ctlcluster … main start): ${(err as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Drops schemas a test created. */
export async function dropSchemas(...schemas: string[]): Promise<void> {
  await withPg(async (c) => {
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
}
