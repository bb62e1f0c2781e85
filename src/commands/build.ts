import { buildManifest } from "../registry/manifest.js";
import { compileClientAccessors } from "../compile/client-accessors.js";
import { compileProject } from "../compile/compile-project.js";
import type { CompileTarget } from "../compile/relations.js";
import { DIALECTS } from "../dialects/index.js";
import { FcUserError } from "../diagnostics/diagnostic.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { VERSION } from "../version.js";
import { loadProject } from "./common.js";
import type { ProjectOptions } from "./common.js";
import { writeTargetDir } from "./target-dir.js";

/** `fcompile build`: validate and compile; writes target/ atomically only when there is no error. */
export async function build(opts: ProjectOptions): Promise<{ ok: boolean; diagnostics: Diagnostic[]; files: number }> {
  let loaded;
  try {
    loaded = await loadProject(opts.projectDir);
  } catch (err) {
    if (err instanceof FcUserError) return { ok: false, diagnostics: err.diagnostics, files: 0 };
    throw err;
  }
  const { config, registry } = loaded;
  const files = new Map<string, string>();
  files.set("manifest.json", JSON.stringify(buildManifest(registry, VERSION), null, 2) + "\n");
  const dialects = new Set(Object.values(config.targets).map((t) => t.type));
  for (const name of dialects) {
    if (!(name in DIALECTS)) continue; // later dialects compile here once they exist
    const dialect = DIALECTS[name as keyof typeof DIALECTS];
    // The schema of the first target of this dialect (DuckDB: the project name).
    const t = Object.entries(config.targets).find(([, x]) => x.type === name)!;
    const ct: CompileTarget = { dialect, schema: name === "duckdb" ? config.name : (t[1].schema ?? config.name) };
    for (const [rel, sql] of compileProject(registry, ct)) files.set(`compiled/${dialect.name}/${rel}`, sql);
  }
  for (const [name, ts] of compileClientAccessors(registry)) files.set(`client/${name}`, ts);
  writeTargetDir(config.dir, files);
  return { ok: true, diagnostics: loaded.diagnostics, files: files.size };
}
