import type { Command } from "commander";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { userError } from "../diagnostics/diagnostic.js";
import { runCommand } from "./output.js";

const INIT_TEMPLATE = fileURLToPath(new URL("../../templates/init/", import.meta.url));
const SCHEMA = fileURLToPath(new URL("../../src/project/definitions.schema.json", import.meta.url));

/** Copies templates/init into `dir`, filling in the project name and the schema path. */
export function scaffold(dir: string): string[] {
  const abs = path.resolve(dir);
  if (existsSync(abs) && readdirSync(abs).length > 0) throw userError("FC015", `${dir} exists and is not empty; give a new folder`);
  const name =
    path
      .basename(abs)
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_")
      .replace(/^[^a-z]+/, "") || "features";
  const written: string[] = [];
  const copy = (from: string, to: string): void => {
    for (const entry of readdirSync(from)) {
      const src = path.join(from, entry);
      const dst = path.join(to, entry);
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
  copy(INIT_TEMPLATE, abs);
  return written;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .argument("<dir>", "new project folder")
    .description("scaffold a working project (DuckDB warehouse, a file source, a feature view and a service)")
    .action((dir: string) =>
      runCommand(async () => {
        const files = scaffold(dir);
        process.stdout.write(
          `created ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join("\n")}\n\nNext:\n  cd ${dir}\n  npx fcompile build && npx fcompile run\n  npx fcompile train --service driver_ranking --entities data/driver_labels.csv --out train.csv\n`,
        );
      }),
    );
}
