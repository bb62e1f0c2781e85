import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes a whole new `target/` beside the old one, then swaps it in with renames, so a build
 * that fails (or dies) midway leaves the previous `target/` as it was.
 */
export function writeTargetDir(projectDir: string, files: Map<string, string>): void {
  const target = path.join(projectDir, "target");
  const staging = path.join(projectDir, `.target.tmp-${process.pid}`);
  const old = path.join(projectDir, `.target.old-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [rel, content] of files) {
      const full = path.join(staging, rel);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    let hadOld = true;
    try {
      renameSync(target, old);
    } catch {
      hadOld = false;
    }
    renameSync(staging, target);
    if (hadOld) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
