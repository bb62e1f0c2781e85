import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Writes `files` (path relative to `dir` → content) as the folder `dir`, atomically: into a
 * staging folder beside it (`.<name>.tmp-<pid>`), then swapped in with renames, so an error (or a
 * death) midway leaves the previous folder as it was and nothing half-written.
 */
export function writeDirAtomically(dir: string, files: Map<string, string>): void {
  const parent = path.dirname(dir);
  const staging = path.join(parent, `.${path.basename(dir)}.tmp-${process.pid}`);
  const old = path.join(parent, `.${path.basename(dir)}.old-${process.pid}`);
  mkdirSync(parent, { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [rel, content] of files) {
      const full = path.join(staging, rel);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
    }
    let hadOld = true;
    try {
      renameSync(dir, old);
    } catch {
      hadOld = false;
    }
    renameSync(staging, dir);
    if (hadOld) rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Writes a whole new `target/` of the project, swapped in atomically (writeDirAtomically). */
export function writeTargetDir(projectDir: string, files: Map<string, string>): void {
  writeDirAtomically(path.join(projectDir, "target"), files);
}
