import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { SavedProfile } from "../governance/drift/compile-drift.js";
import { checkProfileText } from "../governance/profile/profile-shape.js";
import type { Registry } from "../registry/types.js";

/**
 * The saved profiles the `drift:` baselines of a project name (`profiles/<name>.json`), by name:
 * each the profile, or the problem with its file (not JSON, not a profile's shape: reported at
 * the `baseline:` by compileDriftChecks). A file no baseline names is not read, so a corrupt
 * scratch profile matters to no command; a missing one is absent from the map.
 */
export function readProfiles(projectDir: string, reg: Registry): Map<string, SavedProfile> {
  const names = new Set<string>();
  for (const v of reg.views.values()) for (const f of v.features) if (f.drift) names.add(f.drift.baseline);
  const out = new Map<string, SavedProfile>();
  for (const name of [...names].sort()) {
    const file = path.join(projectDir, "profiles", `${name}.json`);
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      out.set(name, { problem: `cannot be read: ${(err as Error).message}` });
      continue;
    }
    out.set(name, checkProfileText(text));
  }
  return out;
}
