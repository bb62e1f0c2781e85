import { execFile } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";

const bin = path.resolve("bin/fcompile");

/** What a finished `fcompile` process left. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (dist/, so `npm run build` first) in `cwd`, without blocking the test
 * worker's event loop (a long synchronous test makes vitest's worker RPC time out).
 */
export function fcompileIn(cwd: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code ?? 1) : 0;
      resolve({ status: typeof code === "number" ? code : 1, stdout, stderr });
    });
  });
}

/** Runs the CLI and expects exit 0; returns its stdout. */
export async function fcompileOk(cwd: string, ...args: string[]): Promise<string> {
  const r = await fcompileIn(cwd, ...args);
  expect(r.status, `fcompile ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}
