import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A minimal valid fcompile.yaml for tests. */
export const CONFIG = "name: t\ntarget: local\ntargets:\n  local:\n    type: duckdb\n    path: warehouse.duckdb\n";

/** Writes `files` (relative path → content) into a new temp folder; returns its path. */
export function tempProject(files: Record<string, string>, prefix = "fc-test-"): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

/** Removes a temp folder. */
export function removeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
