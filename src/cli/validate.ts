// `understudy validate`: checks a config and reports every problem at once (exit 2), or a summary.
import { formatDiagnostic } from "../config/diagnostics.js";
import { colors, writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, loadTopology, parseFlags } from "./options.js";

export const usage = `Usage: understudy validate [--config FILE]

  Checks the config: syntax, keys, types, durations, names of hosts and services, dependency cycles.
  Prints every problem with file:line:column and exits with status 2 when there is any error.`;

export async function validate(argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, CONFIG_OPTION, usage);
  const { topology, warnings, file } = loadTopology(configPath(values.config, io.env));
  const c = colors(io);
  for (const warning of warnings) writeLine(io.stderr, c.yellow(formatDiagnostic(warning)));
  const checks = [...topology.services.values()].reduce((sum, service) => sum + service.checks.length, 0);
  writeLine(io.stdout, `${c.green("✓")} ${file} is valid: ${topology.hosts.size} hosts, ${topology.services.size} services, ${checks} checks` +
    (warnings.length > 0 ? `, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}` : ""));
  return 0;
}
