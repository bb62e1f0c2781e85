import type { Command } from "commander";
import { init } from "../commands/init.js";
import { runCommand } from "./output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .argument("<dir>", "new project folder")
    .description("scaffold a working project (DuckDB warehouse, a file source, a feature view and a service, a .gitignore)")
    .addHelpText(
      "after",
      `
The folder must be new or empty. The project is named after it (lowercase, [a-z0-9_]).
Writes fcompile.yaml, definitions/drivers.yml, data/*.csv and a .gitignore that keeps out what
fcompile rebuilds (target/, the DuckDB warehouse, the SQLite online store).

Example:
  npx fcompile init my_features && cd my_features && npx fcompile build`,
    )
    .action((dir: string) =>
      runCommand(async () => {
        const files = init(dir);
        process.stdout.write(
          `created ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join("\n")}\n\nNext:\n` +
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
