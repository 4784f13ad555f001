// The agent's own machine as a HostAccess: commands are child processes (argv, no shell), files are
// read and written with the file system. Used when the config names this agent's host (host-for.ts).
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { writeFileAtomic } from "../fs/atomic-file.js";
import { hostFailure } from "./host-access.js";
import type { HostAccess, HostFailure, RunOptions, RunResult } from "./host-access.js";

const STDERR_LIMIT = 64 * 1024;

export function runLocal(host: string, argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [program, ...args] = argv;
  if (program === undefined) return Promise.resolve(hostFailure("command", `on ${host}: an empty command`));
  if (options.signal?.aborted) return Promise.resolve(hostFailure("aborted", `on ${host}: ${program} was not started: aborted`));
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    let settled: RunResult | undefined;
    const finish = (result: RunResult) => {
      if (settled) return;
      settled = result;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", abort);
      resolve(result);
    };
    const stop = (result: RunResult) => {
      child.kill("SIGKILL");
      finish(result);
    };
    const abort = () => stop(hostFailure("aborted", `on ${host}: ${program} was stopped: aborted`));
    const timer = setTimeout(() => stop(hostFailure("timeout", `on ${host}: ${program} did not finish within ${options.timeoutMs} ms; it was killed`)), options.timeoutMs);
    options.signal?.addEventListener("abort", abort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      if (stderr.length < STDERR_LIMIT) stderr += chunk.toString();
    });
    child.once("error", (error) => finish(hostFailure("command", `on ${host}: ${program} could not run: ${error.message}`)));
    child.once("close", (code) => finish({ ok: true, code, stdout: Buffer.concat(stdout), stderr }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? "");
  });
}

export function localHost(host: string): HostAccess {
  const failed = (what: string, error: unknown): HostFailure => hostFailure("command", `on ${host}: ${what}: ${(error as Error).message}`);
  return {
    host,
    kind: "local",
    where: "local",
    run: (argv, options) => runLocal(host, argv, options),
    async readFile(path) {
      try {
        return { ok: true, data: await readFile(path) };
      } catch (error) {
        return failed(`cannot read ${path}`, error);
      }
    },
    async writeFileAtomic(path, data, options) {
      try {
        await writeFileAtomic(path, data, options?.mode ?? 0o600);
        return { ok: true };
      } catch (error) {
        return failed(`cannot write ${path}`, error);
      }
    },
    rsyncTransport: () => Promise.resolve({ prefix: "" }),
    close: () => Promise.resolve(),
  };
}

