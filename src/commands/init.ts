import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { usageError, userError } from "../diagnostics/diagnostic.js";

/** The package's scaffold/ folder: what `fcompile init` writes (apart from the SQL templates). */
const SCAFFOLD = fileURLToPath(new URL("../../scaffold/", import.meta.url));
const SCHEMA = fileURLToPath(new URL("../../src/project/definitions.schema.json", import.meta.url));

/**
 * Files of scaffold/ stored under another name, because npm leaves a `.gitignore` out of the
 * package: scaffold name → the name `init` writes.
 */
const RENAMED: Record<string, string> = { gitignore: ".gitignore" };

/** What a project name must look like (it namespaces online keys and warehouse objects). */
const PROJECT_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * The project name `init` gives a folder: its name lowercased, other characters than [a-z0-9_]
 * made `_`, leading non-letters dropped; `features` when nothing is left (a folder named `123`).
 */
export function projectNameFor(dir: string): string {
  return (
    path
      .basename(path.resolve(dir))
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_")
      .replace(/^[^a-z]+/, "") || "features"
  );
}

/**
 * `fcompile init`: copies the project scaffold (scaffold/) into `dir` (which must be new or
 * empty), filling in the project name (`name`, else `projectNameFor(dir)`) and the schema path.
 * Returns the files written, relative to `dir`. Throws FC015 if `dir` has files or `name` is not
 * a project name ([a-z][a-z0-9_]*).
 */
export function init(dir: string, name = projectNameFor(dir)): string[] {
  if (!PROJECT_NAME.test(name))
    throw usageError(
      `'${name}' is not a project name: use lowercase letters, digits and _, starting with a letter (e.g. ${projectNameFor(name)})`,
    );
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) throw userError("FC015", `${dir} exists and is not empty; give a new folder`);
  const written: string[] = [];
  const copy = (from: string, to: string): void => {
    for (const entry of readdirSync(from)) {
      const src = path.join(from, entry);
      const dst = path.join(to, RENAMED[entry] ?? entry);
      if (statSync(src).isDirectory()) {
        copy(src, dst);
        continue;
      }
      mkdirSync(to, { recursive: true });
      const schemaPath = path.relative(to, SCHEMA).split(path.sep).join("/");
      writeFileSync(dst, readFileSync(src, "utf8").replaceAll("{{name}}", name).replaceAll("{{schemaPath}}", schemaPath));
      written.push(path.relative(abs, dst));
    }
  };
  copy(SCAFFOLD, abs);
  return written;
}
