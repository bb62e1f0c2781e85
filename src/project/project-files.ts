import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Lists every *.yml / *.yaml file below `dir` (any nesting), sorted, skipping hidden folders and target/. */
export function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(".") || name === "node_modules") continue;
      const full = path.join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) out.push(full);
    }
  };
  walk(dir);
  return out;
}

/** Path relative to the project, with forward slashes, as diagnostics show it. */
export function relativeToProject(projectDir: string, file: string): string {
  return path.relative(projectDir, file).split(path.sep).join("/");
}

/** Reads a text file, or returns undefined when it does not exist or cannot be read. */
export function readTextIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
