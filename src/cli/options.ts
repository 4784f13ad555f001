// Flag parsing shared by commands: node's parseArgs with friendly errors, and the config every command reads.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./io.js";
import { didYouMean } from "../config/suggest.js";
import { loadConfig } from "../config/load.js";
import { ConfigError, type Diagnostic } from "../config/diagnostics.js";
import { buildTopology, type Topology } from "../model/topology.js";

export const FORMATS = ["table", "json", "markdown"] as const;
export type Format = (typeof FORMATS)[number];

type Options = NonNullable<ParseArgsConfig["options"]>;

export function parseFlags<O extends Options>(argv: string[], options: O, usage: string, positionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    if (unknown) {
      const known = Object.keys(options).map((name) => `--${name}`);
      throw new UsageError(`unknown option ${unknown}${didYouMean(unknown, known)}`, usage);
    }
    throw new UsageError(message.replace(/\. To specify a positional.*$/s, ""), usage);
  }
}

export function parseFormat(value: string | undefined, usage: string, allowed: readonly string[] = FORMATS): Format {
  const format = value ?? "table";
  if (!allowed.includes(format)) throw new UsageError(`--format must be one of ${allowed.join(", ")}, got "${format}"${didYouMean(format, allowed)}`, usage);
  return format as Format;
}

export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env.UNDERSTUDY_CONFIG ?? "understudy.yaml";
}

export interface Loaded {
  topology: Topology;
  warnings: Diagnostic[];
  file: string;
}

/** Loads and validates the config; throws ConfigError (exit 2) with every problem at once. */
export function loadTopology(file: string): Loaded {
  const result = loadConfig(file);
  if (!result.ok) throw new ConfigError(result.diagnostics);
  return { topology: buildTopology(result.config), warnings: result.warnings, file };
}

export const CONFIG_OPTION = { config: { type: "string", short: "c" } } as const;
