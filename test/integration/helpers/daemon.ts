// Runs a daemon in the foreground for a test: waits until a readiness check passes, keeps its output
// for error messages, and stops it (SIGTERM, then SIGKILL) so no process outlives the test file.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

export interface Daemon {
  child: ChildProcess;
  /** What it printed so far (stdout and stderr), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  /** Resolves true once the daemon serves. Polled until `readyWithinMs`. */
  ready: () => Promise<boolean>;
  readyWithinMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startDaemon(command: string, args: string[], options: DaemonOptions): Promise<Daemon> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exited(child);
    clearTimeout(killer);
  };
  const daemon = { child, output: () => output, stop };
  const deadline = Date.now() + (options.readyWithinMs ?? 15_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before it was ready:\n${output}`);
    if (await options.ready().catch(() => false)) return daemon;
    await sleep(100);
  }
  await stop();
  throw new Error(`${command} was not ready within ${options.readyWithinMs ?? 15_000} ms:\n${output}`);
}
