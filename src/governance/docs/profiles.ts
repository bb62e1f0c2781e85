/**
 * Saved profiles (`profiles/NAME.json` in the project folder, written by `fcompile profile
 * --save NAME`; docs/governance.md): the newest one holding each feature, for the catalog's
 * distribution plots.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { LatestProfiles } from "./catalog-data.js";

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
  topValues?: { value: string | number | boolean; count: number }[];
}

interface ProfileFile {
  version: number;
  name: string;
  createdAt: string;
  start: string | null;
  end: string | null;
  features: Record<string, FeatureProfile>;
}

/**
 * The newest profile (by `createdAt`) holding each `view:feature`, read from `profiles/*.json`;
 * none when the folder is missing. A file that is not a profile (bad JSON, no `features` object,
 * no `createdAt`) is skipped with a warning (FC003) and never stops the catalog.
 */
export function readLatestProfiles(projectDir: string): { profiles: LatestProfiles; diagnostics: Diagnostic[] } {
  const dir = path.join(projectDir, "profiles");
  const profiles: LatestProfiles = new Map();
  const diagnostics: Diagnostic[] = [];
  if (!existsSync(dir)) return { profiles, diagnostics };
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
    const name = typeof p.name === "string" ? p.name : file.replace(/\.json$/, "");
    for (const [id, profile] of Object.entries(p.features)) {
      const seen = profiles.get(id);
      if (seen && Date.parse(seen.createdAt) >= Date.parse(p.createdAt)) continue;
      profiles.set(id, { name, createdAt: p.createdAt, start: p.start ?? null, end: p.end ?? null, profile });
    }
  }
  return { profiles, diagnostics };
}
