// `understudy import uptime-kuma BACKUP.json` / `understudy import gatus CONFIG.yaml`: a first config from
// the monitor the user has today. The config goes to stdout (or --output FILE), the report of what could
// not be carried over to stderr.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "yaml";
import { formatDiagnostic } from "../config/diagnostics.js";
import { parseConfig } from "../config/load.js";
import { importGatus, type GatusConfig } from "../import/gatus.js";
import { renderImported } from "../import/output.js";
import { formatReport } from "../import/report.js";
import { importUptimeKuma, type KumaBackup } from "../import/uptime-kuma.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";

export const usage = `Usage: understudy import uptime-kuma BACKUP.json [--output FILE] [--force]
       understudy import gatus CONFIG.yaml [--output FILE] [--force]

  Turns Uptime Kuma's backup (Settings → Backup → Export) or Gatus' config into an Understudy config:
  monitors/endpoints become services with checks, notifications become notifiers, and every token
  becomes an "env:NAME" reference (never copied). What cannot be mapped is listed on stderr, with why.`;

const SOURCES = ["uptime-kuma", "gatus"] as const;

function readSource(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
}

export async function importCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { output: { type: "string", short: "o" }, force: { type: "boolean" } }, usage, true);
  const [source, file, ...extra] = positionals;
  if (source === undefined || file === undefined || extra.length > 0) throw new UsageError("give the source and its file: import uptime-kuma BACKUP.json, or import gatus CONFIG.yaml", usage);
  if (!(SOURCES as readonly string[]).includes(source)) throw new UsageError(`unknown source "${source}"; one of ${SOURCES.join(", ")}`, usage);
  if (values.output !== undefined && existsSync(values.output) && !values.force) {
    throw new UsageError(`${values.output} already exists; nothing was written. Pass --force to replace it`);
  }

  const text = readSource(file);
  let imported;
  try {
    imported = source === "uptime-kuma"
      ? importUptimeKuma(JSON.parse(text) as KumaBackup, basename(file))
      : importGatus((parse(text) ?? {}) as GatusConfig, basename(file));
  } catch (error) {
    if (error instanceof SyntaxError || (error as Error).name === "YAMLParseError") {
      throw new UsageError(`${file} is not ${source === "uptime-kuma" ? "JSON (an Uptime Kuma backup)" : "YAML (a Gatus config)"}: ${(error as Error).message.split("\n")[0]}`);
    }
    throw error;
  }
  const output = renderImported(imported.config, imported.report.source);
  // Each check and notifier was validated on its own; this proves the whole file loads.
  const check = parseConfig(output, values.output ?? "(stdout)");
  if (!check.ok) throw new Error(`the imported config does not load: ${check.diagnostics.map(formatDiagnostic).join("; ")}`);

  if (values.output === undefined) io.stdout.write(output);
  else writeFileSync(values.output, output, { flag: values.force ? "w" : "wx" });
  writeLine(io.stderr, formatReport(imported.report));
  if (values.output !== undefined) writeLine(io.stderr, `\nWrote ${values.output}.`);
  return 0;
}
