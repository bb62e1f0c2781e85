/**
 * `npm ci` prints EBADENGINE when an installed package does not support the running Node. Every
 * package in the lock file must support every Node line fcompile declares: package.json `engines`
 * for what a user installs (the dependencies), `devEngines` for what development adds.
 */
import { readFileSync } from "node:fs";
import semver from "semver";
import { describe, expect, it } from "vitest";

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
  engines: { node: string };
  devEngines: { runtime: { name: string; version: string } };
};
const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as { packages: Record<string, LockEntry> };

/** The oldest version of each even (LTS) Node line from 20 to 24 that `range` admits. */
function oldestPerLine(range: string): string[] {
  return [20, 22, 24].flatMap((major) => {
    const v = semver.minVersion(`${range.split("||").find((r) => semver.intersects(r, `^${major}`)) ?? "<0"} ^${major}`);
    return v ? [v.version] : [];
  });
}

/** Lock entries whose `engines.node` excludes one of `versions`. */
function unsupported(versions: string[], dev: boolean): string[] {
  const out: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    const range = where && !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
    if (!range || !!entry.dev !== dev) continue;
    for (const v of versions)
      if (!semver.satisfies(v, range)) out.push(`${where.replace(/^.*node_modules\//, "")}@${entry.version} needs node ${range}, not ${v}`);
  }
  return out;
}

describe("declared Node engines", () => {
  it("every dependency supports every Node line package.json engines admits", () => {
    const lines = oldestPerLine(pkg.engines.node);
    expect(lines[0]).toBe("20.0.0");
    expect(unsupported(lines, false)).toEqual([]);
  });

  it("every dev dependency supports every Node line devEngines admits", () => {
    expect(pkg.devEngines.runtime.name).toBe("node");
    const lines = oldestPerLine(pkg.devEngines.runtime.version);
    expect(lines.length).toBe(3);
    expect(unsupported(lines, true)).toEqual([]);
    expect(unsupported(lines, false)).toEqual([]);
  });

  it("this Node satisfies both", () => {
    expect(semver.satisfies(process.version, pkg.engines.node)).toBe(true);
    expect(semver.satisfies(process.version, pkg.devEngines.runtime.version)).toBe(true);
  });

  it("light-my-request (fastify's) is pinned to a version whose cookie runs on Node 20", () => {
    // light-my-request 6.8 moved to cookie 2, which needs Node 22 (npm ci warned EBADENGINE).
    const cookie = lock.packages["node_modules/cookie"];
    expect(cookie && semver.major(cookie.version!)).toBe(1);
  });
});
