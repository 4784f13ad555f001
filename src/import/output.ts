// The imported config as a YAML file: the editor's schema comment, where it came from, then the document.
// Checks held back (a paused monitor, a negated one) follow their service as commented-out YAML with the
// reason, so that they are neither run nor lost.
import { Document, stringify } from "yaml";
import { configJsonSchema } from "../config/json-schema.js";
import type { HeldChecks, ImportedConfig } from "./builder.js";

export function renderImported(config: ImportedConfig, source: string, held: ReadonlyMap<string, HeldChecks> = new Map()): string {
  const header = [
    `# yaml-language-server: $schema=${String(configJsonSchema().$id)}`,
    "#",
    `# Imported by \`understudy import\` from ${source}.`,
    '# Secrets are "env:NAME" references: set them for the agent (the import\'s report lists them).',
    "# Next: merge the derived hosts, mark the critical services, add depends_on, then `understudy analyze`.",
  ];
  const doc = new Document(config);
  for (const [service, { reason, checks, hint }] of held) {
    const node = doc.getIn(["services", service], true) as { comment?: string | null } | undefined;
    if (!node) continue;
    const block = stringify(checks, { lineWidth: 0 }).trimEnd().split("\n").map((line) => ` ${line}`);
    node.comment = [` ${reason}`, ` ${hint ?? "To run it, move it into checks:"}`, ...block].join("\n");
  }
  return `${header.join("\n")}\n${doc.toString({ lineWidth: 0 })}`;
}
