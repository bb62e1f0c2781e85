/**
 * CI (`.ci/run`) runs what `npm run check` runs — typecheck, lint, format check and every test —
 * after starting the services the server tests need, and stops loudly when they cannot start.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const scripts = (JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> }).scripts;
const tmp = mkdtempSync(path.join(tmpdir(), "fc-ci-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs .ci/run with stand-ins for npm and the service tools; returns its exit code and output. */
function ciWith(fakes: Record<string, string>, env: Record<string, string> = {}): { status: number | null; out: string } {
  const bin = mkdtempSync(path.join(tmp, "bin-"));
  for (const [name, body] of Object.entries({ npm: 'echo "npm $*"', ...fakes })) {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  const r = spawnSync("bash", [".ci/run"], {
    encoding: "utf8",
    env: { ...process.env, CI_CHROMIUM: "/usr/bin/env", ...env, PATH: `${bin}:${process.env.PATH}` },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe(".ci/run", () => {
  it("npm run check is typecheck, lint with format check, and every test", () => {
    expect(scripts.check).toBe("npm run typecheck && npm run lint && npm test");
    expect(scripts.typecheck).toMatch(/tsc -p tsconfig.json --noEmit && tsc -p test\/tsconfig.json/);
    expect(scripts.lint).toBe("eslint . && prettier --check .");
    expect(scripts.test).toBe("vitest run --config test/vitest.config.ts");
    expect(scripts["test:fast"]).toBe("vitest run --config test/vitest.config.ts --project fast");
  });

  it("installs from the lock file, then runs npm run check, when the services answer", () => {
    const r = ciWith({ pg_isready: "exit 0", "redis-cli": "echo PONG" });
    expect(r.status, r.out).toBe(0);
    expect(r.out.trim().split("\n")).toEqual(["npm ci --no-audit --no-fund", "npm run check"]);
  });

  it("stops with a message naming the service when PostgreSQL or Redis cannot be started", () => {
    const pg = ciWith({ pg_isready: "exit 2", pg_ctlcluster: "exit 1", "redis-cli": "echo PONG" });
    expect(pg.status).toBe(1);
    expect(pg.out).toMatch(
      /^ci: (could not start PostgreSQL .*\(pg_ctlcluster .* main start\)|PostgreSQL is not answering on 127.0.0.1:5432 .*)$/m,
    );
    expect(pg.out).not.toMatch(/npm run check/);
    const redis = ciWith({ pg_isready: "exit 0", "redis-cli": "exit 1", "redis-server": "exit 1" });
    expect(redis.status).toBe(1);
    expect(redis.out).toMatch(/^ci: could not start redis-server$/m);
  });

  it("installs Debian's chromium first when it is missing (the catalog's browser test needs it)", () => {
    const services = { pg_isready: "exit 0", "redis-cli": "echo PONG" };
    const missing = { CI_CHROMIUM: path.join(tmp, "no-chromium") };
    const r = ciWith({ ...services, "apt-get": 'echo "apt-get $*"' }, missing);
    expect(r.status, r.out).toBe(0);
    expect(r.out.trim().split("\n")).toEqual([
      "apt-get update -q",
      "apt-get install -y -q chromium",
      "npm ci --no-audit --no-fund",
      "npm run check",
    ]);
    const failed = ciWith({ ...services, "apt-get": 'case "$1" in update) exit 0;; *) exit 100;; esac' }, missing);
    expect(failed.status).toBe(1);
    expect(failed.out).toMatch(/^ci: could not install chromium \(apt-get install -y chromium\)$/m);
    expect(failed.out).not.toMatch(/npm run check/);
  });
});
