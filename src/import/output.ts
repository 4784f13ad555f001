// The imported config as a YAML file: the editor's schema comment, where it came from, then the document.
import { stringify } from "yaml";
import { configJsonSchema } from "../config/json-schema.js";
import type { ImportedConfig } from "./builder.js";

export function renderImported(config: ImportedConfig, source: string): string {
  const header = [
    `# yaml-language-server: $schema=${String(configJsonSchema().$id)}`,
    "#",
    `# Imported by \`understudy import\` from ${source}.`,
    '# Secrets are "env:NAME" references: set them for the agent (the import\'s report lists them).',
    "# Next: merge the derived hosts, mark the critical services, add depends_on, then `understudy analyze`.",
  ];
  return `${header.join("\n")}\n${stringify(config, { lineWidth: 0 })}`;
}
