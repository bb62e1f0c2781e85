/**
 * Which test files need a server (PostgreSQL or Redis) and which do not: `npm run test:fast` runs
 * the second kind (vitest project "fast"), `npm test` both. Decided from the files themselves, so
 * it stays true as tests are added: a test needs a server when it, or any test module it imports
 * (transitively), imports test/helpers/postgres.ts or test/helpers/redis.ts, imports the `pg` or
 * `ioredis` driver, or writes a server address itself (the PostgreSQL or Redis port on loopback,
 * or a Redis URL).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** The helpers that connect to the test servers (relative to the repository root). */
export const SERVER_HELPERS = ["test/helpers/postgres.ts", "test/helpers/redis.ts"];

/** A server's address or driver written in a test file. */
const SERVER_MARKERS: [RegExp, string][] = [
  [/(?:from|import\()\s*["'](?:pg|ioredis)["']/, "imports a server driver (pg or ioredis)"],
  [/(?:127\.0\.0\.1|localhost):(?:5432|6379)\b|redis:\/\//, "names a server address"],
];

const IMPORT = /(?:\bfrom|\bimport\(?)\s*["'](\.{1,2}\/[^"']+)["']/g;

/** A test module's path for an import specifier (`./x.js` may be `./x.ts`), or undefined outside the tree. */
function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`])
    if (existsSync(candidate) && !candidate.endsWith(path.sep)) return candidate;
  return undefined;
}

/**
 * Why a module needs a server (the chain of imports down to the reason), or undefined if it
 * needs none. `seen` guards against import cycles.
 */
function serverReason(file: string, root: string, memo: Map<string, string | undefined>, seen = new Set<string>()): string | undefined {
  if (memo.has(file)) return memo.get(file);
  if (seen.has(file)) return undefined;
  seen.add(file);
  const rel = path.relative(root, file).split(path.sep).join("/");
  let reason: string | undefined;
  if (SERVER_HELPERS.includes(rel)) reason = `is ${rel}`;
  const text = readFileSync(file, "utf8");
  for (const [re, why] of SERVER_MARKERS) if (!reason && re.test(text)) reason = why;
  if (!reason)
    for (const m of text.matchAll(IMPORT)) {
      const dep = resolveImport(file, m[1]!);
      // Only test modules are followed: importing src/ (even its PostgreSQL runner) needs no server.
      if (!dep || path.relative(path.join(root, "test"), dep).startsWith("..")) continue;
      const inner = serverReason(dep, root, memo, seen);
      if (inner) {
        reason = `imports ${path.relative(path.dirname(file), dep).split(path.sep).join("/")}, which ${inner}`;
        break;
      }
    }
  memo.set(file, reason);
  return reason;
}

/** Every `*.test.ts` under `<root>/test`, relative to root, sorted. */
export function testFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".test.ts") ? [path.join(dir, e.name)] : [],
    );
  return walk(path.join(root, "test"))
    .map((f) => path.relative(root, f).split(path.sep).join("/"))
    .sort();
}

/** The test files of `root` split into those that need a server (with the reason) and the rest. */
export function splitTests(root: string): { fast: string[]; server: Map<string, string> } {
  const memo = new Map<string, string | undefined>();
  const fast: string[] = [];
  const server = new Map<string, string>();
  for (const f of testFiles(root)) {
    const why = serverReason(path.join(root, f), root, memo);
    if (why) server.set(f, why);
    else fast.push(f);
  }
  return { fast, server };
}
