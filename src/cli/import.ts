// `understudy import uptime-kuma kuma.db|BACKUP.json` / `understudy import gatus CONFIG.yaml`: a first
// config from the monitor the user has today. The config goes to stdout (or --output FILE); the table of
// what was mapped, approximated and dropped goes to stderr. Exit 0 when everything was mapped or
// approximated, 1 when something was dropped (each one is a row of the table, with why), 2 bad input.
import { existsSync, openSync, readSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { formatDiagnostic } from "../config/diagnostics.js";
import { parseConfig } from "../config/load.js";
import { importGatus, type GatusConfig } from "../import/gatus.js";
import { readKumaDatabase } from "../import/kuma-db.js";
import { renderImported } from "../import/output.js";
import { count, formatTrailer, type ImportReport } from "../import/report.js";
import { importUptimeKuma, type KumaBackup } from "../import/uptime-kuma.js";
import { terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";
import { textTable } from "./table.js";
import { wrapText } from "./wrap.js";

export const usage = `Usage: understudy import uptime-kuma KUMA.DB|BACKUP.json [--output FILE]
                                  [--env-file FILE] [--force]
       understudy import gatus CONFIG.yaml [--output FILE] [--force]

  Turns what Uptime Kuma or Gatus watches into an Understudy config:
  monitors/endpoints become services with checks, notifications become
  notifiers, every token an "env:NAME" reference.

  Uptime Kuma 2.x: give its database, data/kuma.db (read-only; Kuma may
  keep running). Uptime Kuma 1.x: the database as well, or a backup from
  Settings → Backup → Export.
  --env-file FILE  also write the secrets Kuma's database holds (push
                   tokens, passwords) as NAME=value lines, mode 0600, for
                   the agent's EnvironmentFile.

  A table on stderr lists each item as mapped, approximated (kept, but not
  exactly: it says how) or dropped (it says why). Exit status: 0 when
  nothing was dropped, 1 when something was (the config is still
  written), 2 for bad input.`;

const SOURCES = ["uptime-kuma", "gatus"] as const;

function readSource(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

/** SQLite files start with this header; anything else is read as a JSON backup. */
function isSqlite(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString("latin1") === "SQLite format 3\0";
  } finally {
    closeSync(fd);
  }
}

function kumaBackup(file: string): { backup: KumaBackup; source: string } {
  if (isSqlite(file)) {
    const read = readKumaDatabase(file);
    if (!read.ok) throw new UsageError(read.error);
    return { backup: read.backup, source: `the Uptime Kuma database ${basename(file)}` };
  }
  try {
    return { backup: JSON.parse(readSource(file)) as KumaBackup, source: `the Uptime Kuma backup ${basename(file)}` };
  } catch (error) {
    if (error instanceof SyntaxError) throw new UsageError(`${file} is neither Uptime Kuma's database (data/kuma.db) nor a JSON backup: ${error.message.split("\n")[0]}`);
    throw error;
  }
}

function gatusConfig(file: string): GatusConfig {
  const documents = parseAllDocuments(readSource(file));
  if (!Array.isArray(documents)) return {};
  if (documents.length > 1) {
    throw new UsageError(`${file} holds ${documents.length} YAML documents (separated by ---); Gatus reads one config per file. Import each document from its own file, or merge them into one`);
  }
  const [document] = documents;
  const error = document?.errors[0];
  if (error) throw new UsageError(`${file} is not YAML (a Gatus config): ${error.message.split("\n")[0]}`);
  const value: unknown = document?.toJS() ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UsageError(`${file} is not a Gatus config: expected a mapping with endpoints:`);
  return value as GatusConfig;
}

export function formatReport(report: ImportReport, width = Infinity): string {
  const { services, checks, notifiers } = report.imported;
  const counts = `${count(report, "mapped")} mapped, ${count(report, "approximated")} approximated, ${count(report, "dropped")} dropped`;
  const lines = [`Imported from ${report.source}: ${services} services with ${checks} checks, ${notifiers} notifiers (${counts}).`, ""];
  const order = { dropped: 0, approximated: 1, mapped: 2 } as const;
  const rows = [...report.rows].sort((a, b) => order[a.outcome] - order[b.outcome]);
  lines.push(textTable(["Outcome", "Item", "Detail"], rows.map((row) => [row.outcome, row.item, row.detail]), width));
  if (width === Infinity) return `${lines.join("\n")}${formatTrailer(report)}`;
  // Prose refilled to the width: a note ("  - …") or a variable's line continues under its text.
  const fit = (line: string) => wrapText(line, width, line.startsWith("  ") ? 4 : 0);
  const trailer = formatTrailer(report);
  return [fit(lines[0]!), ...lines.slice(1)].join("\n") + (trailer === "" ? "" : `\n${trailer.slice(1).split("\n").map(fit).join("\n")}`);
}

export async function importCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { output: { type: "string", short: "o" }, "env-file": { type: "string" }, force: { type: "boolean" } }, usage, true);
  const [source, file, ...extra] = positionals;
  if (source === undefined || file === undefined || extra.length > 0) throw new UsageError("give the source and its file: import uptime-kuma kuma.db, or import gatus config.yaml", usage);
  if (!(SOURCES as readonly string[]).includes(source)) throw new UsageError(`unknown source "${source}"; one of ${SOURCES.join(", ")}`, usage);
  for (const out of [values.output, values["env-file"]]) {
    if (out !== undefined && existsSync(out) && !values.force) throw new UsageError(`${out} already exists; nothing was written. Pass --force to replace it`);
  }

  let imported;
  if (source === "uptime-kuma") {
    const { backup, source: from } = kumaBackup(file);
    imported = importUptimeKuma(backup, from);
  } else {
    imported = importGatus(gatusConfig(file), basename(file));
  }
  const output = renderImported(imported.config, imported.report.source, imported.held);
  // Each check and notifier was validated on its own; this proves the whole file loads.
  const check = parseConfig(output, values.output ?? "(stdout)");
  if (!check.ok) throw new Error(`the imported config does not load: ${check.diagnostics.map(formatDiagnostic).join("; ")}`);

  if (values.output === undefined) io.stdout.write(output);
  else writeFileSync(values.output, output, { flag: values.force ? "w" : "wx" });
  writeLine(io.stderr, formatReport(imported.report, terminalWidth(io)));
  if (values["env-file"] !== undefined) {
    const known = imported.report.secrets.filter((secret) => secret.value !== undefined);
    writeFileSync(values["env-file"], known.map((secret) => `${secret.variable}=${secret.value!.replace(/\n/g, "\\n")}\n`).join(""), { flag: values.force ? "w" : "wx", mode: 0o600 });
    writeLine(io.stderr, `\nWrote ${known.length} of ${imported.report.secrets.length} secrets to ${values["env-file"]} (mode 0600).`);
  }
  if (values.output !== undefined) writeLine(io.stderr, `\nWrote ${values.output}.`);
  return count(imported.report, "dropped") > 0 ? 1 : 0;
}
