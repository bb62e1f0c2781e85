/**
 * Saved profiles (`profiles/NAME.json` in the project folder, written by `fcompile profile
 * --save NAME`; docs/governance.md): the newest one holding values of each feature, for the
 * catalog's distribution plots, and every one by name, for the baselines of drift checks.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { LatestProfiles, ProfileHeader, ProfilesByName } from "./catalog-data.js";
import { checkedFeatureProfile, valuesIn } from "./check-profile.js";

/** One feature's statistics in a profile file (the fields the catalog reads). */
export interface FeatureProfile {
  view: string;
  feature: string;
  type: string;
  kind: "numeric" | "categorical" | "boolean" | "timestamp";
  count: number;
  nullCount: number;
  nullRate: number;
  distinct: number;
  min: number | string | boolean | null;
  max: number | string | boolean | null;
  /** Null when missing (a profile of a non-number has none). */
  mean: number | null;
  histogram?: { lower: number; upper: number; count: number }[];
  /** May be missing (a profile of many distinct floats need not list them). */
  topValues?: { value: string | number | boolean; count: number }[];
}

/** The profile file format this catalog reads (`version`; build's drift checks read the same one). */
const PROFILE_VERSION = 1;

/**
 * Every saved profile in `profiles/*.json`: by file name (`profiles/<name>.json`, the name a
 * `drift: {baseline}` gives), and for each `view:feature` the newest (by `createdAt`) holding a
 * value of it (`count − nullCount > 0`; when none does, the newest holding it), with the newer
 * ones that hold no value of it named; none when the folder is missing. A profile's shown name is
 * its `name`, or its file's name when that is missing or empty. A file that is not a version 1
 * profile (bad JSON, a `version` other than 1 — as `fcompile build` rejects it —, no `features`
 * object, no `createdAt` time) is skipped with a warning (FC003), and so is a feature entry
 * without the fields the catalog reads (src/governance/docs/check-profile.ts): neither stops the
 * catalog.
 */
export function readSavedProfiles(projectDir: string): { latest: LatestProfiles; byName: ProfilesByName; diagnostics: Diagnostic[] } {
  const dir = path.join(projectDir, "profiles");
  const latest: LatestProfiles = new Map();
  const byName: ProfilesByName = new Map();
  const diagnostics: Diagnostic[] = [];
  if (!existsSync(dir)) return { latest, byName, diagnostics };
  const holding = new Map<string, (ProfileHeader & { profile: FeatureProfile })[]>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const rel = `profiles/${file}`;
    const warn = (message: string) => diagnostics.push({ code: "FC003", severity: "warning", message, at: { file: rel, line: 1, col: 1 } });
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>;
      if (typeof p !== "object" || p === null || Array.isArray(p)) throw new Error("it is not a JSON object");
      if (p.version !== PROFILE_VERSION)
        throw new Error(`its version is ${JSON.stringify(p.version ?? null)}; this fcompile reads version ${PROFILE_VERSION}`);
      if (typeof p.features !== "object" || p.features === null || Array.isArray(p.features))
        throw new Error("it has no 'features' object");
      if (typeof p.createdAt !== "string" || Number.isNaN(Date.parse(p.createdAt)))
        throw new Error("its 'createdAt' is not an ISO 8601 time");
    } catch (err) {
      warn(`skipped: not a saved profile (${(err as Error).message})`);
      continue;
    }
    const stem = file.replace(/\.json$/, "");
    const header: ProfileHeader = {
      name: typeof p.name === "string" && p.name !== "" ? p.name : stem,
      createdAt: p.createdAt as string,
      start: typeof p.start === "string" ? p.start : null,
      end: typeof p.end === "string" ? p.end : null,
    };
    const features: Record<string, FeatureProfile> = {};
    const bad: string[] = [];
    for (const [id, entry] of Object.entries(p.features as Record<string, unknown>)) {
      const profile = id.includes(":") ? checkedFeatureProfile(id, entry) : undefined;
      if (!profile) {
        bad.push(id);
        continue;
      }
      features[id] = profile;
      const list = holding.get(id) ?? [];
      list.push({ ...header, profile });
      holding.set(id, list);
    }
    if (bad.length > 0)
      warn(
        `skipped ${bad.length} feature${bad.length === 1 ? "" : "s"} without a known 'kind' and numbers 'count', 'nullRate' and 'distinct': ${bad.slice(0, 5).join(", ")}${bad.length > 5 ? ", …" : ""}`,
      );
    byName.set(stem, { ...header, features });
  }
  for (const [id, list] of holding) {
    // Newest first; of equal times, the first file by name (a stable sort keeps file order).
    const newestFirst = [...list].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
    const at = Math.max(
      0,
      newestFirst.findIndex((x) => valuesIn(x.profile) > 0),
    );
    latest.set(id, { ...newestFirst[at]!, newerWithoutValues: newestFirst.slice(0, at).map((x) => x.name) });
  }
  return { latest, byName, diagnostics };
}
