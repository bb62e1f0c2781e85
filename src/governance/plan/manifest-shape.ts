import { fileError, jsonErrorAt } from "../../diagnostics/file-errors.js";
import { MANIFEST_VERSION } from "../../registry/manifest.js";

/** One object of a manifest section (an entity, a source, a view, a feature, a service), as `build` writes it. */
export type ManifestObject = Record<string, unknown>;

/** The sections of `target/manifest.json` that `plan` compares (src/registry/manifest.ts, buildManifest). */
export interface Manifest {
  metadata: { manifest_version: number; fcompile_version?: string; project: string };
  entities: Record<string, ManifestObject>;
  sources: Record<string, ManifestObject>;
  feature_views: Record<string, ManifestObject>;
  /** Keyed `view:feature`. */
  features: Record<string, ManifestObject>;
  feature_services: Record<string, ManifestObject>;
  /** Keyed `view:feature`: the SQL views (`views`) and sources upstream of it. */
  lineage: Record<string, { views?: string[]; sources?: string[] }>;
}

const SECTIONS = ["entities", "sources", "feature_views", "features", "feature_services"] as const;

/**
 * Checks that `text` (of the file `file`) is an fcompile manifest of a version this fcompile
 * reads; throws FC015 at `file:line:col` saying what is wrong (the place of a JSON syntax error,
 * else 1:1).
 */
export function parseManifest(text: string, file: string): Manifest {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch (err) {
    const at = jsonErrorAt(text, err);
    throw fileError("FC015", `not JSON (${at.reason}); pass --against the manifest.json of a build`, file, at.line, at.col);
  }
  const obj = m as Partial<Manifest> | null;
  const meta = obj && typeof obj === "object" ? obj.metadata : undefined;
  if (!meta || typeof meta !== "object" || typeof meta.project !== "string")
    throw fileError("FC015", `not an fcompile manifest (no metadata.project); pass --against the manifest.json of a build`, file);
  if (meta.manifest_version !== MANIFEST_VERSION)
    throw fileError(
      "FC015",
      `manifest_version ${String(meta.manifest_version)}; this fcompile reads version ${MANIFEST_VERSION}: compare with a manifest this fcompile's 'build' wrote`,
      file,
    );
  for (const s of SECTIONS)
    if (!obj![s] || typeof obj![s] !== "object") throw fileError("FC015", `not an fcompile manifest (no '${s}' section)`, file);
  return { ...(obj as Manifest), lineage: obj!.lineage ?? {} };
}
