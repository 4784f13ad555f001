// The agent's log: one JSON line per event worth a person's attention (an incident opened, updated or
// resolved, a notifier giving up, a reload and why it failed), written with pino. Secrets never reach a
// line: values under keys such as `token`, `password`, `api_key` or `headers` are replaced wherever they
// sit in a logged object; references to secrets ("env:NAME", "*_file" paths) are fine and kept.
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** Keys whose values are secrets (or carry them, like request headers). */
const SECRET_KEYS = ["headers", "authorization", "api_key", "apiKey", "token", "bot_token", "password", "secret", "private_key", "cookie"];

/** pino's redaction paths reach a fixed depth; four levels covers everything the agent logs. */
function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SECRET_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  }
  return paths;
}

export const REDACTED = "[redacted]";

export interface LoggerOptions {
  /** Where lines go; default stdout. */
  destination?: DestinationStream;
  level?: string;
  /** Fields on every line (the agent's name). */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: REDACTED },
      // Errors as { type, message, stack } under `err`, whatever key they are logged under.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that drops everything, for library callers and tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
