// What an import could not carry over, and what the user must do next: the report printed on stderr.
// Nothing is dropped silently: every monitor, condition or notification left out is listed with why.

export interface Unmapped {
  /** What in the source: 'monitor "Plex" (docker)', 'endpoint "api": condition [IP] == 1.2.3.4'. */
  item: string;
  reason: string;
}

export interface SecretToSet {
  /** The environment variable the config now names ("env:NAME"). */
  variable: string;
  /** What it must hold, and where it came from. */
  what: string;
}

export interface ImportReport {
  source: string;
  imported: { services: number; checks: number; notifiers: number };
  unmapped: Unmapped[];
  secrets: SecretToSet[];
  notes: string[];
}

export function formatReport(report: ImportReport): string {
  const { services, checks, notifiers } = report.imported;
  const lines = [`Imported from ${report.source}: ${services} services with ${checks} checks, ${notifiers} notifiers.`];
  if (report.unmapped.length > 0) {
    lines.push("", `Not imported (${report.unmapped.length}):`);
    for (const { item, reason } of report.unmapped) lines.push(`  - ${item}: ${reason}`);
  }
  if (report.secrets.length > 0) {
    lines.push("", "Secrets were not copied; the config names environment variables instead. Set them for the agent:");
    for (const { variable, what } of report.secrets) lines.push(`  ${variable}  ${what}`);
  }
  if (report.notes.length > 0) {
    lines.push("", "Notes:");
    for (const note of report.notes) lines.push(`  - ${note}`);
  }
  return lines.join("\n");
}
