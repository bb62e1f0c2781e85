import type { Command } from "commander";
import path from "node:path";
import { runCommand } from "./output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .argument("<dir>", "new project folder")
    .option("--name <name>", "project name ([a-z][a-z0-9_]*; default: the folder's name made into one)")
    .description("scaffold a working project (DuckDB warehouse, a file source, a feature view and a service, a .gitignore)")
    .addHelpText(
      "after",
      `
The folder must be new or empty. The project is named after it (lowercased, other characters
made _, leading digits dropped; 'features' if nothing is left), unless --name is given. The name
namespaces the online store's keys and the warehouse's objects; it is fcompile.yaml's 'name:'.
Writes fcompile.yaml, definitions/drivers.yml, data/*.csv and a .gitignore that keeps out what
fcompile rebuilds (target/, the DuckDB warehouse, the SQLite online store).

Example:
  npx fcompile init my_features && cd my_features && npx fcompile build`,
    )
    .action((dir: string, opts: { name?: string }) =>
      runCommand("init", async () => {
        const { init, projectNameFor } = await import("../commands/init.js");
        const name = opts.name ?? projectNameFor(dir);
        const files = init(dir, name);
        const folder = path.basename(path.resolve(dir));
        const named =
          opts.name === undefined && name !== folder
            ? ` (the folder name '${folder}' is not a project name; change 'name:' in fcompile.yaml, or use --name)`
            : "";
        process.stdout.write(
          `created project '${name}'${named}: ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join("\n")}\n\nNext:\n` +
            `  cd ${/^[\w./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", `'\\''`)}'`}\n` +
            "  npx fcompile build && npx fcompile run\n" +
            "  npx fcompile train --service driver_ranking --entities data/driver_labels.csv --out train.csv\n" +
            "  npx fcompile materialize --end 2025-01-01T12:00:00Z --load\n" +
            "  npx fcompile get --service driver_ranking --entity driver_id=1001 --at 2025-01-01T12:00:00Z\n" +
            "  npx fcompile status\n",
        );
      }),
    );
}
