/**
 * The JSON Schemas of fcompile.yaml and the definition files, and the ajv that compiles them: one
 * place for both the run-time fallback (src/project/schema-check.ts) and the validators compiled
 * ahead of time by `npm run build` (scripts/compile-schemas.mjs, written to
 * dist/project/schema-validators.cjs), so the two can never check differently.
 */
import type { Ajv as AjvClass, Options } from "ajv";
import type * as AjvModule from "ajv";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The schema files (in src/project/, where editors point at them), by the kind of file they check. */
export const SCHEMA_FILES = { definitions: "definitions.schema.json", config: "config.schema.json" } as const;

export type SchemaKind = keyof typeof SCHEMA_FILES;

/** The text of a schema file; found the same way from src/ and dist/. */
export function schemaText(kind: SchemaKind): string {
  return readFileSync(new URL(`../../src/project/${SCHEMA_FILES[kind]}`, import.meta.url), "utf8");
}

/**
 * SHA-256 (hex) of both schema texts: the ahead-of-time validators carry the one they were
 * compiled from, and are used only while it matches (an edited schema falls back to ajv).
 */
export function schemasHash(texts: Record<SchemaKind, string>): string {
  return createHash("sha256").update(texts.definitions).update("\0").update(texts.config).digest("hex");
}

/**
 * A new ajv with fcompile's options (every error, verbose: the messages read the failing value
 * and its schema) and keywords (`x-fc-code`, `x-fc-why`: the diagnostic code and reason). ajv is
 * loaded here, on first use: with the ahead-of-time validators, a command never loads it.
 */
export function schemaAjv(extra: Options = {}): AjvClass {
  const { Ajv } = require("ajv") as typeof AjvModule;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true, ...extra });
  ajv.addKeyword("x-fc-code");
  ajv.addKeyword("x-fc-why");
  return ajv;
}
