// `understudy agent`: runs the watching agent in the foreground until SIGTERM or SIGINT. The first
// signal stops it gracefully (probes, then notifications drained for a few seconds, results flushed,
// store closed) and the command returns 0; a second one skips the drain. SIGHUP reloads the config.
import type { DestinationStream } from "pino";
import { startAgent } from "../agent/agent.js";
import { ListenError } from "../agent/http.js";
import { createLogger } from "../agent/log.js";
import { writeLine, type Io } from "./io.js";
import { CONFIG_OPTION, configPath, parseFlags } from "./options.js";

export const usage = `Usage: understudy agent [--config FILE]

  Runs the checks, keeps their history in the data directory (agents.data_dir), opens and resolves
  incidents by root cause, sends notifications, and serves on agents.listen (127.0.0.1:8470):
  /healthz, /metrics, /api/status and /push/TOKEN. Logs are JSON lines on stdout.

  SIGHUP or saving the config reloads it (an invalid one is refused and the running one kept);
  SIGTERM or SIGINT stops gracefully, a second one at once.`;

/** Where signals come from: the process, or a test's emitter. */
export interface SignalSource {
  on(signal: "SIGTERM" | "SIGINT" | "SIGHUP", listener: () => void): unknown;
  off(signal: "SIGTERM" | "SIGINT" | "SIGHUP", listener: () => void): unknown;
}

export async function agent(argv: string[], io: Io, signals: SignalSource = process): Promise<number> {
  const { values } = parseFlags(argv, { ...CONFIG_OPTION }, usage);
  const logger = createLogger({ destination: io.stdout as unknown as DestinationStream, level: io.env.UNDERSTUDY_LOG_LEVEL ?? "info" });
  let running;
  try {
    running = await startAgent({ configFile: configPath(values.config, io.env), env: io.env, logger });
  } catch (error) {
    if (error instanceof ListenError) {
      writeLine(io.stderr, `understudy: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const agentRef = running;
  // A promise some background task forgot to catch is a bug, but not one the monitor should die of
  // (Node's default ends the process): it is logged with its stack, and the agent keeps watching.
  const forgotten = (reason: unknown) => logger.error({ event: "agent.bug", err: reason instanceof Error ? reason : new Error(String(reason)) }, `a background task failed and nothing caught it (please report this with the log): ${reason instanceof Error ? reason.message : String(reason)}`);
  if (signals === process) process.on("unhandledRejection", forgotten);
  return new Promise<number>((resolve) => {
    let signalled = 0;
    const onStop = () => {
      signalled++;
      if (signalled === 2) logger.warn({ event: "agent.stopping", forced: true }, "second signal: stopping without waiting for notifications");
      void agentRef.stop({ force: signalled > 1 }).then(() => {
        for (const [signal, listener] of handlers) signals.off(signal, listener);
        process.off("unhandledRejection", forgotten);
        resolve(0);
      });
    };
    const onReload = () => void agentRef.reload();
    const handlers = [["SIGTERM", onStop], ["SIGINT", onStop], ["SIGHUP", onReload]] as const;
    for (const [signal, listener] of handlers) signals.on(signal, listener);
  });
}
