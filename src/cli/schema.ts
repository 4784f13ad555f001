// `understudy schema`: prints the config's JSON Schema (generated from the zod schema).
import { writeFileSync } from "node:fs";
import { configJsonSchema } from "../config/json-schema.js";
import type { Io } from "./io.js";
import { parseFlags } from "./options.js";

export const usage = `Usage: understudy schema [--output FILE]

  Prints the JSON Schema of understudy.yaml. Editors complete keys with it when a config starts with
  # yaml-language-server: $schema=<path or URL of this schema>`;

export async function schema(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { output: { type: "string", short: "o" } }, usage);
  const text = `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
  if (values.output) writeFileSync(values.output, text);
  else io.stdout.write(text);
  return 0;
}
