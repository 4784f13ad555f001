// `understudy runbook`: runbooks generated from the config (src/runbook/), to stdout or one file per
// host and service plus an index (--output DIR), and `--check DIR` for the user's CI: exit 1 with the
// stale, missing and extra files when the committed runbooks differ from what the config generates.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadConfig } from "../config/load.js";
import { ConfigError } from "../config/diagnostics.js";
import { buildRunbookFor, buildRunbooks } from "../runbook/build.js";
import type { RunbookFacts } from "../runbook/context.js";
import { compareFiles, inStep, isRunbookPath, render, RUNBOOK_FORMATS, runbookFiles, type RunbookFormat } from "../runbook/files.js";
import { latestSnapshots } from "../runbook/latest-snapshots.js";
import { storedDrillFacts } from "../drill/facts.js";
import { buildTopology } from "../model/topology.js";
import { resolveDataDir, storePathIn } from "../store/data-dir.js";
import { colors, UsageError, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags, parseFormat } from "./options.js";

export const usage = `Usage: understudy runbook [SERVICE|HOST] [--config FILE] [--format markdown|html] [--output DIR] [--snapshots] [--drills]
       understudy runbook --check DIR [--config FILE] [--format markdown|html]

  Runbooks for the on-call person, generated from the config: for each host and service what runs
  there, what breaks when it dies, how Understudy notices, what it does on its own, and the exact steps
  by hand (failover, fence, promote, DNS, restore). The same config always gives the same files.

  --output DIR   write index, hosts/NAME and services/NAME files under DIR (removing pages of hosts and
                 services no longer in the config); without it, print to stdout
  --check DIR    exit 1 when the runbooks in DIR differ from what the config generates now (for CI)
  --snapshots    ask the backup targets for each service's newest snapshot and name it in the restore
                 steps (the output then changes with every backup: not for committed runbooks)
  --drills       show each service's last drill (\`understudy drill\`) with its measured numbers, from
                 the data directory (changes with every drill: not for committed runbooks)`;

async function readRunbookDir(dir: string, format: RunbookFormat): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`no folder ${dir}: generate it with \`understudy runbook --output ${dir}\``);
    throw error;
  }
  for (const entry of entries.map((path) => path.split("\\").join("/")).sort()) {
    if (isRunbookPath(entry, format)) files.set(entry, await readFile(join(dir, entry), "utf8"));
  }
  return files;
}

async function facts(doc: Parameters<typeof buildRunbooks>[0], wanted: boolean, io: Io): Promise<RunbookFacts> {
  if (!wanted) return {};
  try {
    const { snapshots, problems } = await latestSnapshots(doc, io.env);
    for (const problem of problems) writeLine(io.stderr, `understudy: warning: could not list ${problem}; its services' restore steps name no snapshot`);
    return { latestSnapshots: snapshots };
  } catch (error) {
    writeLine(io.stderr, `understudy: warning: could not open the backup targets (${(error as Error).message}); restore steps name no snapshot`);
    return {};
  }
}

export async function runbook(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...CONFIG_OPTION, format: { type: "string", short: "f" }, output: { type: "string", short: "o" }, check: { type: "string" }, snapshots: { type: "boolean" }, drills: { type: "boolean" } }, usage, true);
  const format = parseFormat(values.format ?? "markdown", usage, RUNBOOK_FORMATS) as RunbookFormat;
  const [name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`one host or service at a time; unexpected ${extra.join(" ")}`, usage);
  if (values.check !== undefined && (name !== undefined || values.output !== undefined || values.snapshots || values.drills)) {
    throw new UsageError("--check DIR compares the whole set as the config generates it: no name, --output, --snapshots or --drills with it", usage);
  }
  const file = configPath(values.config, io.env);
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new ConfigError(loaded.diagnostics);
  const doc = loaded.config;

  if (values.check !== undefined) return check(values.check, buildRunbooks(doc), format, io);

  const known: RunbookFacts = await facts(doc, values.snapshots === true, io);
  if (values.drills) known.drills = storedDrillFacts(storePathIn(resolveDataDir(buildTopology(doc).agents.data_dir, io.env, dirname(resolve(file)))));
  const runbooks = name === undefined ? buildRunbooks(doc, known) : buildRunbookFor(doc, name, known);
  if (values.output === undefined) {
    if (format === "html" && runbooks.length > 1) throw new UsageError("HTML is one page per file: give --output DIR, or name one host or service", usage);
    writeLine(io.stdout, runbooks.map((page) => render(page, format)).join("\n---\n\n").trimEnd());
    return 0;
  }
  const files = runbookFiles(runbooks, format);
  const removed: string[] = [];
  if (name === undefined) {
    for (const path of (await readRunbookDir(values.output, format).catch(() => new Map<string, string>())).keys()) {
      if (files.has(path)) continue;
      await rm(join(values.output, path));
      removed.push(path);
    }
  }
  for (const [path, content] of files) {
    await mkdir(dirname(join(values.output, path)), { recursive: true });
    await writeFile(join(values.output, path), content);
  }
  writeLine(io.stdout, `wrote ${files.size} runbook${files.size === 1 ? "" : "s"} under ${values.output}${removed.length > 0 ? `; removed ${removed.join(", ")}` : ""}`);
  return 0;
}

async function check(dir: string, runbooks: ReturnType<typeof buildRunbooks>, format: RunbookFormat, io: Io): Promise<number> {
  const drift = compareFiles(runbookFiles(runbooks, format), await readRunbookDir(dir, format));
  const c = colors(io);
  if (inStep(drift)) {
    writeLine(io.stdout, `${c.green("✓")} ${runbooks.length} runbooks in ${dir} are in step with the config`);
    return 0;
  }
  const lines = [
    ...drift.stale.map((path) => `  stale    ${join(dir, path)}`),
    ...drift.missing.map((path) => `  missing  ${join(dir, path)}`),
    ...drift.extra.map((path) => `  extra    ${join(dir, path)}`),
  ];
  writeLine(io.stdout, `${c.red("✗")} the runbooks in ${dir} are not what the config generates now:\n${lines.join("\n")}`);
  writeLine(io.stdout, `Regenerate them with: understudy runbook --output ${dir}${format === "markdown" ? "" : ` --format ${format}`} (with the same --config)`);
  return 1;
}
