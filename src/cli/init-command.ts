import type { Command } from "commander";
import { init } from "../commands/init.js";
import { runCommand } from "./output.js";

export function registerInit(program: Command): void {
  program
    .command("init")
    .argument("<dir>", "new project folder")
    .description("scaffold a working project (DuckDB warehouse, a file source, a feature view and a service)")
    .action((dir: string) =>
      runCommand(async () => {
        const files = init(dir);
        process.stdout.write(
          `created ${files.length} files in ${dir}:\n${files.map((f) => `  ${f}`).join("\n")}\n\nNext:\n  cd ${dir}\n  npx fcompile build && npx fcompile run\n  npx fcompile train --service driver_ranking --entities data/driver_labels.csv --out train.csv\n`,
        );
      }),
    );
}
