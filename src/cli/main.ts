// The entry point: picks the command, runs it, and turns errors into messages and exit codes.
// Exit codes: 0 done, 1 the command ran and found a failure (e.g. a check failed), 2 bad input
// (config, flags, names), 70 a bug (with a short message; UNDERSTUDY_DEBUG=1 shows the stack).
// It imports only what `--help` needs: a command's module is loaded when that command runs, and the
// error report (which knows every error class) only when there is an error to report.
import { processIo, terminalWidth, writeLine, type Io } from "./io.js";
import { wrapHelp } from "./wrap.js";
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
    writeLine(io.stdout, wrapHelp(help(), terminalWidth(io)));
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-V") {
    writeLine(io.stdout, VERSION);
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    writeLine(io.stderr, `understudy: unknown command "${name}"${didYouMean(name, Object.keys(commands))}\n\n${wrapHelp(help(), terminalWidth(io))}`);
    return 2;
  }
  try {
    const loaded = await command.load();
    if (rest.includes("--help") || rest.includes("-h")) {
      writeLine(io.stdout, wrapHelp(loaded.usage, terminalWidth(io)));
      return 0;
    }
    return await loaded.run(rest, io);
  } catch (error) {
    const { report } = await import("./report.js");
    return report(error, io);
  }
}
