// Shared helpers of the benchmarks: argument parsing, machine description, child processes, stats.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = path.dirname(BENCH_DIR);
export const DATA_DIR = path.join(BENCH_DIR, ".data");

/** `--name value` / `--flag` arguments into an object; positional arguments under `_`. */
export function parseArgs(argv, defaults = {}) {
  const out = { ...defaults, _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      out._.push(a);
      continue;
    }
    const [k, inline] = a.slice(2).split("=", 2);
    const key = k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (inline !== undefined) out[key] = inline;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) out[key] = argv[++i];
    else out[key] = true;
  }
  return out;
}

/** The DuckDB version the compiler's warehouse uses (read from the installed bindings). */
export function duckdbVersion() {
  try {
    const pkg = JSON.parse(readFileSync(path.join(REPO_DIR, "node_modules/@duckdb/node-api/package.json"), "utf8"));
    return `DuckDB ${pkg.version.replace(/-r\.\d+$/, "")} (@duckdb/node-api ${pkg.version})`;
  } catch {
    return "DuckDB (unknown version)";
  }
}

/** CPU, cores, RAM, OS, Node and DuckDB versions. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    ramGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    duckdb: duckdbVersion(),
  };
}

export function machineLine(m = machine()) {
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}, Node ${m.node}, ${m.duckdb}`;
}

/** Runs `node script args…` in a fresh process; resolves with the JSON of its last stdout line. */
export function runChild(script, args, { quiet = true, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: REPO_DIR,
      stdio: ["ignore", "pipe", quiet ? "pipe" : "inherit"],
      env: { ...process.env, ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${path.basename(script)} ${args.join(" ")} exited ${code}\n${err}${out}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`no JSON result from ${path.basename(script)}: ${out}${err}`));
      }
    });
  });
}

/** Runs a command in a fresh process; resolves with {ms, code, stdout, stderr, maxRssKiB?}. */
export function timeCommand(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ ms: performance.now() - t0, code, stdout, stderr }));
  });
}

const TIME = "/usr/bin/time";

/**
 * Runs `node ...args` in a fresh process: wall ms, and CPU ms (user + system, from /usr/bin/time)
 * when /usr/bin/time is there (else cpuMs null). `scratchDir` holds /usr/bin/time's output file.
 */
export async function timeNode(args, scratchDir) {
  if (!existsSync(TIME)) return { ...(await timeCommand(process.execPath, args)), cpuMs: null };
  const out = path.join(scratchDir, ".time");
  const r = await timeCommand(TIME, ["-f", "%U %S", "-o", out, process.execPath, ...args]);
  const [user, sys] = readFileSync(out, "utf8").trim().split("\n").at(-1).split(" ").map(Number);
  return { ...r, cpuMs: (user + sys) * 1000 };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const fmtMs = (ms) =>
  ms >= 10000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
export const fmtMiB = (kib) => `${(kib / 1024).toFixed(0)} MiB`;

/** A plain-text / markdown table. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map(String));
  const w = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(" | ")} |`;
  return [line(all[0]), `|${w.map((n) => "-".repeat(n + 2)).join("|")}|`, ...all.slice(1).map(line)].join("\n");
}

export const today = () => new Date().toISOString().slice(0, 10);
