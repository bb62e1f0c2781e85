import type { Command } from "commander";
import { plural } from "../diagnostics/plural.js";
import { withProjectOptions } from "./common-options.js";
import type { CommonOptions } from "./common-options.js";
import { progressLine, runCommand } from "./output.js";

interface TrainFlags extends CommonOptions {
  service?: string;
  features?: string;
  entities?: string;
  entitiesSql?: string;
  out: string;
  timestampColumn: string;
  fullNames?: boolean;
}

export function registerTrain(program: Command): void {
  withProjectOptions(program.command("train"))
    .description("build a point-in-time correct training set: for each entity row, feature values as of its timestamp")
    .option("--service <name>", "a feature service from the project")
    .option("--features <refs>", "comma-separated view:feature or view:* references")
    .option("--entities <file>", "entity rows: a .csv or .parquet file with the join keys and a timestamp column")
    .option("--entities-sql <select>", "entity rows: a SELECT run in the warehouse")
    .requiredOption("-o, --out <file>", "output file, .csv or .parquet (streamed; never held in memory)")
    .option("--timestamp-column <name>", "timestamp column of the entity rows", "event_timestamp")
    .option("--full-names", "name feature columns view__feature instead of feature")
    .addHelpText(
      "after",
      `
Example:
  fcompile train --service churn_model --entities data/churn_labels.csv --out train.parquet

Run 'fcompile run' first so file sources and SQL views exist in the warehouse.`,
    )
    .action((opts: TrainFlags) =>
      runCommand("train", async () => {
        const progress = progressLine();
        const r = await (
          await import("../commands/train.js")
        ).train({
          onProgress: (p) => progress.update(`training… ${p.toFixed(0)}%`),
          projectDir: opts.project,
          target: opts.target,
          service: opts.service,
          features: opts.features
            ?.split(",")
            .map((s) => s.trim())
            .filter(Boolean),
          entitiesFile: opts.entities,
          entitiesSql: opts.entitiesSql,
          out: opts.out,
          timestampColumn: opts.timestampColumn,
          fullNames: opts.fullNames,
        });
        progress.done();
        for (const note of r.notes) process.stdout.write(`${note}\n`);
        process.stdout.write(
          `train ok: ${plural(r.rows, "row")} x ${plural(r.features, "feature")} -> ${opts.out} in ${(r.ms / 1000).toFixed(2)} s\n`,
        );
      }),
    );
}
