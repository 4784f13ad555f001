// What an import carried over and how: every item of the source is one row, mapped (as it was),
// approximated (kept, but not exactly; the row says how) or dropped (the row says why). Nothing is
// left out of the rows: an item missing here would be dropped silently. Printed on stderr.

export type Outcome = "mapped" | "approximated" | "dropped";

export interface ReportRow {
  /** What in the source: 'monitor "Plex" (docker)', 'endpoint "api": condition [IP] == 1.2.3.4'. */
  item: string;
  outcome: Outcome;
  /** Where it went (mapped), how it differs (approximated) or why it is gone (dropped). */
  detail: string;
}

export interface SecretToSet {
  /** The environment variable the config now names ("env:NAME"). */
  variable: string;
  /** What it must hold, and where it came from. */
  what: string;
  /** The value, when the source held it (an Uptime Kuma database does); written only by --env-file. */
  value?: string;
}

export interface ImportReport {
  source: string;
  imported: { services: number; checks: number; notifiers: number };
  rows: ReportRow[];
  secrets: SecretToSet[];
  notes: string[];
}

export function count(report: ImportReport, outcome: Outcome): number {
  return report.rows.filter((row) => row.outcome === outcome).length;
}

/** The lines after the table: secrets to set and what to do next. */
export function formatTrailer(report: ImportReport): string {
  const lines: string[] = [];
  if (report.secrets.length > 0) {
    lines.push("", "Secrets were not copied into the config; it names environment variables instead. Set them for the agent:");
    const width = Math.max(...report.secrets.map((secret) => secret.variable.length));
    for (const { variable, what } of report.secrets) lines.push(`  ${variable.padEnd(width)}  ${what}`);
  }
  if (report.notes.length > 0) {
    lines.push("", "Notes:");
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  return lines.length > 0 ? `\n${lines.join("\n")}` : "";
}
