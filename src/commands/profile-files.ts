import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { userError } from "../diagnostics/diagnostic.js";
import type { ProfileFile } from "../governance/profile/profile-file.js";
import { parseProfileFile } from "../governance/profile/profile-file.js";

/**
 * The saved profiles of a project (`profiles/*.json`), by name (the file name less `.json`);
 * empty without the folder. Throws FC011 naming a file that is not a profile.
 */
export function readProfiles(projectDir: string): Map<string, ProfileFile> {
  const dir = path.join(projectDir, "profiles");
  const out = new Map<string, ProfileFile>();
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith(".json")) continue;
    try {
      out.set(f.slice(0, -5), parseProfileFile(readFileSync(path.join(dir, f), "utf8")));
    } catch (err) {
      throw userError("FC011", `not a saved profile: ${(err as Error).message}`, `profiles/${f}`);
    }
  }
  return out;
}
