// How the entry point (main.ts) turns an error into a message and an exit code: bad input (the config,
// the command line, a name, a state file, a secret, an etcd that does not answer) is its message and
// exit 2; anything else is a bug, exit 70, with the stack only under UNDERSTUDY_DEBUG=1.
import { ConfigError, formatDiagnostic } from "../config/diagnostics.js";
import { UnknownComponentError } from "../analysis/components.js";
import { StoreError } from "../store/store-error.js";
import { SecretError } from "../config/secret.js";
import { EtcdError } from "../coord/etcd-api.js";
import { colors, terminalWidth, UsageError, writeLine, type Io } from "./io.js";
import { wrapHelp } from "./wrap.js";

export function report(error: unknown, io: Io): number {
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
    writeLine(io.stderr, `understudy: ${error.message}${error.usage ? `\n\n${wrapHelp(error.usage, terminalWidth(io))}` : ""}`);
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
  return 70;
}
