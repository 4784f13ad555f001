// The entry point: picks the command, runs it, and turns errors into messages and exit codes.
// Exit codes: 0 done, 1 the command ran and found a failure (e.g. a check failed), 2 bad input
// (config, flags, names), 70 a bug (with a short message; UNDERSTUDY_DEBUG=1 shows the stack).
import { ConfigError, formatDiagnostic } from "../config/diagnostics.js";
import { UnknownComponentError } from "../analysis/components.js";
import { StoreError } from "../store/store-error.js";
import { SecretError } from "../config/secret.js";
import { EtcdError } from "../coord/etcd-api.js";
import { colors, processIo, UsageError, writeLine, type Io } from "./io.js";
import { commands } from "./commands.js";
import { didYouMean } from "../config/suggest.js";

const VERSION = "0.1.0";

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    "Understudy: every critical role needs an understudy.",
    "",
    "Usage: understudy <command> [options]",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    "",
    "Every command takes --config FILE (default: $UNDERSTUDY_CONFIG or ./understudy.yaml).",
    "`understudy <command> --help` shows a command's options.",
  ].join("\n");
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    writeLine(io.stdout, help());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    writeLine(io.stdout, VERSION);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    writeLine(io.stderr, `understudy: unknown command "${name}"${didYouMean(name, Object.keys(commands))}\n\n${help()}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    writeLine(io.stdout, command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, io, command.usage);
  }
}

function report(error: unknown, io: Io, usage: string): number {
  const c = colors({ ...io, stdout: io.stderr });
  if (error instanceof ConfigError) {
    const errors = error.diagnostics.filter((d) => d.severity === "error");
    for (const diagnostic of error.diagnostics) {
      writeLine(io.stderr, (diagnostic.severity === "error" ? c.red : c.yellow)(formatDiagnostic(diagnostic)));
    }
    writeLine(io.stderr, `${errors.length} error${errors.length === 1 ? "" : "s"}; nothing was changed.`);
    return 2;
  }
  if (error instanceof UsageError) {
    writeLine(io.stderr, `understudy: ${error.message}${error.usage ? `\n\n${error.usage}` : ""}`);
    return 2;
  }
  // Bad input from the world (a name, a state file, a secret, an etcd that does not answer): the message
  // says what and what to do.
  if (error instanceof UnknownComponentError || error instanceof StoreError || error instanceof SecretError || error instanceof EtcdError) {
    writeLine(io.stderr, `understudy: ${error.message}`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `understudy: internal error: ${message}\nThis is a bug; please report it with the command you ran.${io.env.UNDERSTUDY_DEBUG ? "" : " (UNDERSTUDY_DEBUG=1 shows the stack)"}`);
  if (io.env.UNDERSTUDY_DEBUG && error instanceof Error) writeLine(io.stderr, error.stack ?? "");
  void usage;
  return 70;
}
