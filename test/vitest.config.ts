import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { splitTests } from "./helpers/server-tests.js";

const root = fileURLToPath(new URL("..", import.meta.url));
// "fast": the tests that need no PostgreSQL or Redis (`npm run test:fast`); "server": the others.
// Which is which is read from the test files (test/helpers/server-tests.ts), not listed by hand.
const { fast, server } = splitTests(root);

export default defineConfig({
  test: {
    root,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // DuckDB is a native module: separate processes keep one crash from taking the run down.
    pool: "forks",
    // Three files at a time even on two cores (vitest's default would be one): most tests wait on
    // PostgreSQL, Redis or child processes, so files overlap well. Every test isolates its schemas,
    // key prefixes and folders, and property tests have time budgets with minimum case counts.
    maxWorkers: 3,
    minWorkers: 1,
    projects: [
      { extends: true, test: { name: "fast", include: fast } },
      { extends: true, test: { name: "server", include: [...server.keys()] } },
    ],
  },
});
