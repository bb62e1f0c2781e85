import type { ErrorObject, ValidateFunction } from "ajv";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { DiagnosticBag } from "../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import { schemaAjv, schemaText, schemasHash } from "./schema-ajv.js";
import type { SchemaKind } from "./schema-ajv.js";
import { locate } from "./yaml-file.js";
import type { YamlFile, YamlPath } from "./yaml-file.js";

const require = createRequire(import.meta.url);

/** The validators `npm run build` compiles ahead of time (scripts/compile-schemas.mjs); not there when run from src/. */
const AHEAD_OF_TIME = new URL("./schema-validators.cjs", import.meta.url);

let validators: Record<SchemaKind, ValidateFunction> | undefined;

/**
 * The validators of both schemas: those compiled ahead of time when they were made from the
 * schemas as they are now, else compiled here by ajv (the same options, the same errors).
 */
function compiled(): Record<SchemaKind, ValidateFunction> {
  if (!validators) {
    const texts = { definitions: schemaText("definitions"), config: schemaText("config") };
    const made = existsSync(AHEAD_OF_TIME)
      ? (require(fileURLToPath(AHEAD_OF_TIME)) as Record<SchemaKind, ValidateFunction> & { schemasHash: string })
      : undefined;
    if (made && made.schemasHash === schemasHash(texts)) validators = { definitions: made.definitions, config: made.config };
    else {
      const ajv = schemaAjv();
      validators = {
        definitions: ajv.compile(JSON.parse(texts.definitions) as object),
        config: ajv.compile(JSON.parse(texts.config) as object),
      };
    }
  }
  return validators;
}

/**
 * Checks a parsed YAML file against the JSON Schema that editors also use, reporting every
 * violation at its node. Returns the JSON paths that had errors so later stages can skip them.
 * With `unknownKeys`, an unknown key (additionalProperties) is not a broken path: its own pointer
 * (`/feature_views/0/late_ness`) goes there instead, so the object holding it is still checked
 * (nothing reads an unknown key) and its other problems come out in the same run.
 */
export function checkAgainstSchema(
  y: YamlFile,
  kind: "definitions" | "config",
  bag: DiagnosticBag,
  unknownKeys?: Set<string>,
): Set<string> {
  const validate = compiled()[kind];
  const value: unknown = y.value;
  const broken = new Set<string>();
  if (validate(value ?? {})) return broken;
  for (const e of dedupe(validate.errors ?? [])) {
    const path = pointerToPath(e.instancePath);
    if (unknownKeys && e.keyword === "additionalProperties") {
      unknownKeys.add(
        `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)
          .replace(/~/g, "~0")
          .replace(/\//g, "~1")}`,
      );
    } else broken.add(e.instancePath);
    const { code, message, key } = describe(e, kind);
    const at = key !== undefined ? locate(y, [...path, key], true) : locate(y, path);
    bag.error(code, message, at);
  }
  return broken;
}

/**
 * fcompile's internal columns start with `__fc` (e.g. `__fc_row_id`) and its temporary tables end
 * with it (`view__x__fc_new`): the schema refuses column names starting with `__fc` and object
 * names containing it, so a name a user writes never meets one of them. This spots such a refusal
 * to word it as a reserved name rather than an unsafe one.
 */
const RESERVED = /__fc/i;

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  // `enum`/`type` errors come with a sibling error per alternative; keep one per place and keyword.
  return errors.filter((e) => {
    // An if/then/else error only repeats the errors of the branch taken.
    if (e.keyword === "if") return false;
    const k = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pointerToPath(pointer: string): YamlPath {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function where(e: ErrorObject, kind: string): string {
  const segs = pointerToPath(e.instancePath);
  const last = segs[segs.length - 1];
  if (last === undefined) return kind === "config" ? "fcompile.yaml" : "the file";
  return typeof last === "number" ? `item ${last + 1} of '${String(segs[segs.length - 2])}'` : `'${last}'`;
}

function describe(e: ErrorObject, kind: string): { code: DiagnosticCode; message: string; key?: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties": {
      const key = String(p.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      const hint = allowed.length ? `; expected one of: ${allowed.join(", ")}` : "";
      return { code: kind === "config" ? "FC013" : "FC002", message: `unknown key '${key}'${hint}`, key };
    }
    case "required":
      return { code: "FC004", message: `missing required key '${String(p.missingProperty)}' in ${where(e, kind)}` };
    case "type":
      return { code: "FC003", message: `${where(e, kind)} must be ${article(String(p.type))}` };
    case "enum":
      return {
        code: "FC003",
        message: `${where(e, kind)} must be one of: ${(p.allowedValues as unknown[]).join(", ")} (got ${JSON.stringify(e.data)})`,
      };
    case "pattern": {
      const schema = e.parentSchema as { "x-fc-code"?: DiagnosticCode; description?: string };
      const code = schema["x-fc-code"] ?? "FC003";
      if (code === "FC009" && typeof e.data === "string" && RESERVED.test(e.data) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(e.data)) {
        return {
          code,
          message: `reserved name ${JSON.stringify(e.data)} for ${where(e, kind)}: ${tail(schema.description ?? "")} Rename it.`,
        };
      }
      const what = code === "FC009" ? "unsafe identifier" : "invalid value";
      return {
        code,
        message: `${what} ${JSON.stringify(e.data)} for ${where(e, kind)}: ${schema.description !== undefined ? tail(schema.description) : `must match ${String(p.pattern)}`}`,
      };
    }
    case "minItems":
      return { code: "FC003", message: `${where(e, kind)} must not be empty` };
    case "maxLength": {
      const why = (e.parentSchema as { "x-fc-why"?: string })["x-fc-why"];
      return {
        code: "FC009",
        message: `${where(e, kind)} is longer than ${String(p.limit)} characters${why ? ` (${why})` : ""}; shorten it`,
      };
    }
    default:
      return { code: "FC003", message: `${where(e, kind)} ${e.message ?? "is invalid"}` };
  }
}

/** A schema description (a sentence for editors' hovers) as a message's tail: its first letter lower-case, unless a word in capitals (SQL). */
function tail(description: string): string {
  return /^[A-Z](?![A-Z])/.test(description) ? description[0]!.toLowerCase() + description.slice(1) : description;
}

function article(type: string): string {
  if (type === "array") return "a list";
  if (type === "object") return "a mapping";
  const t = type.replace(/,/g, " or ");
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}
