/**
 * Saved profiles (`profiles/NAME.json` in the project folder, written by `fcompile profile
 * --save NAME`; docs/governance.md): the newest one holding each feature, for the catalog's
 * distribution plots, and every one by name, for the baselines of drift checks.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { LatestProfiles, ProfileHeader, ProfilesByName } from "./catalog-data.js";

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
  min: number | string | null;
  max: number | string | null;
  mean?: number | null;
  histogram?: { lower: number; upper: number; count: number }[];
  /** May be missing (a profile of many distinct floats need not list them). */
  topValues?: { value: string | number | boolean; count: number }[];
}

interface ProfileFile {
  version: number;
  name: unknown;
  createdAt: string;
  start: string | null;
  end: string | null;
  features: Record<string, FeatureProfile>;
}

/**
 * Every saved profile in `profiles/*.json`: by file name (`profiles/<name>.json`, the name a
 * `drift: {baseline}` gives), and the newest (by `createdAt`) holding each `view:feature`; none
 * when the folder is missing. A profile's shown name is its `name`, or its file's name when that
 * is missing or empty. A file that is not a profile (bad JSON, no `features` object, no
 * `createdAt`) is skipped with a warning (FC003) and never stops the catalog.
 */
export function readSavedProfiles(projectDir: string): { latest: LatestProfiles; byName: ProfilesByName; diagnostics: Diagnostic[] } {
  const dir = path.join(projectDir, "profiles");
  const latest: LatestProfiles = new Map();
  const byName: ProfilesByName = new Map();
  const diagnostics: Diagnostic[] = [];
  if (!existsSync(dir)) return { latest, byName, diagnostics };
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    const rel = `profiles/${file}`;
    let p: ProfileFile;
    try {
      p = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as ProfileFile;
      if (typeof p !== "object" || p === null || typeof p.features !== "object" || p.features === null || typeof p.createdAt !== "string")
        throw new Error("it has no 'createdAt' text or no 'features' object");
    } catch (err) {
      diagnostics.push({
        code: "FC003",
        severity: "warning",
        message: `skipped: not a saved profile (${(err as Error).message})`,
        at: { file: rel, line: 1, col: 1 },
      });
      continue;
    }
    const stem = file.replace(/\.json$/, "");
    const header: ProfileHeader = {
      name: typeof p.name === "string" && p.name !== "" ? p.name : stem,
      createdAt: p.createdAt,
      start: p.start ?? null,
      end: p.end ?? null,
    };
    byName.set(stem, { ...header, features: p.features });
    for (const [id, profile] of Object.entries(p.features)) {
      const seen = latest.get(id);
      if (seen && Date.parse(seen.createdAt) >= Date.parse(p.createdAt)) continue;
      latest.set(id, { ...header, profile });
    }
  }
  return { latest, byName, diagnostics };
}
