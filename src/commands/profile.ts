import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { usageError } from "../diagnostics/diagnostic.js";
import { compileProfile } from "../governance/profile/compile-profile.js";
import type { ProfileFile } from "../governance/profile/profile-file.js";
import { readProfileRows } from "../governance/profile/read-profile-rows.js";
import { formatTimestamp, nowMicros } from "../timestamps.js";
import { checkReady, compileTargetFor, loadProject, openWarehouse, selectedViews, timestampOption, windowStart } from "./common.js";
import type { ProjectOptions } from "./common.js";

/** Options of `fcompile profile` (docs/governance.md, "fcompile profile"). */
export interface ProfileOptions extends ProjectOptions {
  /** The window's end; default now. */
  end?: string;
  /** Profile only the rows of `[end − window, end)` (a duration: `30d`); default every row before end. */
  window?: string;
  /** Views to profile; default all with features. */
  select?: string[];
  /** Write `profiles/<save>.json` in the project folder. */
  save?: string;
}

/** A profile name: what a file name and a YAML `baseline:` can both hold. */
const PROFILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * `fcompile profile`: runs the compiled profile query of each chosen view on the warehouse (the
 * rows `fcompile test` tests: `[end − window, end)`, or every row before end) and returns the
 * profiles, in the shape of `profiles/NAME.json`; with `save`, writes that file too (returned as
 * `file`). `empty` names the chosen views with no row in the window (a saved profile of them
 * holds no distribution: the CLI warns).
 * Throws a usage error for a bad option or an unknown view; FC016 when a view is not built yet.
 */
export async function runProfile(opts: ProfileOptions): Promise<{ profile: ProfileFile; file?: string; empty: string[] }> {
  // Now is taken to the whole second, as the profile file writes its end.
  const end = opts.end !== undefined ? timestampOption("--end", opts.end) : (nowMicros() / 1_000_000n) * 1_000_000n;
  const start = windowStart(end, opts.window, "30d");
  if (opts.save !== undefined && !PROFILE_NAME.test(opts.save))
    throw usageError(`--save '${opts.save}' is not a profile name; use letters, digits, _ . - (e.g. first_days)`);
  const { config, registry } = await loadProject(opts.projectDir);
  const { target, ct } = compileTargetFor(config, opts.target);
  const views = selectedViews(registry, opts.select);
  const chosen = views.map((v) => registry.views.get(v)!).filter((v) => v.features.length > 0);
  // Without --window, every row before end: the end the file records is the one applied.
  const params = { fc_start: start === undefined ? "-infinity" : formatTimestamp(start), fc_end: formatTimestamp(end) };
  const profile: ProfileFile = {
    version: 1,
    name: opts.save ?? "",
    project: registry.project.name,
    target: target.name,
    createdAt: new Date().toISOString(),
    start: start === undefined ? null : formatTimestamp(start),
    end: formatTimestamp(end),
    window: opts.window ?? null,
    features: {},
  };
  const empty: string[] = [];
  const wh = await openWarehouse(target, config.dir, registry, ct.dialect.name === "duckdb");
  try {
    await checkReady(
      wh,
      registry,
      ct,
      chosen.map((v) => v.name),
    );
    for (const view of chosen) {
      const p = compileProfile(registry, view, ct);
      const rows = await wh.queryWithParameters(p.sql, params, `profile of ${view.name} (target/compiled/${ct.dialect.name}/${p.path})`);
      const features = readProfileRows(view, rows);
      if (Object.values(features).every((f) => f.count === 0)) empty.push(view.name);
      Object.assign(profile.features, features);
    }
  } finally {
    await wh.close();
  }
  if (opts.save === undefined) return { profile, empty };
  const dir = path.join(config.dir, "profiles");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${opts.save}.json`);
  writeFileSync(file, JSON.stringify(profile, null, 2) + "\n");
  return { profile, file: path.relative(process.cwd(), file) || file, empty };
}
