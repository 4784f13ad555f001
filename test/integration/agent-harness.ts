// Runs the real `understudy` CLI as a child process for the agent integration tests: builds dist/ when
// a source file is newer than it (one build at a time across parallel test files, under a lock
// directory), starts `node bin/understudy.js agent --config FILE`, reads its JSON log lines, and stops
// it with a signal. Every process started here is killed by `stopAll()` if a test leaves it running.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, rmdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/understudy.js");
const LOCK = join(tmpdir(), "understudy-test-build.lock");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(ROOT, "dist/cli/main.js")).mtimeMs;
  } catch {
    return 0;
  }
}

/** Builds dist/ with `tsc -p tsconfig.build.json` unless it is newer than every source file. */
export async function ensureBuilt(): Promise<void> {
  for (let waited = 0; builtAt() < newestSource(join(ROOT, "src")); waited += 200) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Another test file is building; a lock older than five minutes is left over from a crash.
      if (Date.now() - statSync(LOCK, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmdirSync(LOCK);
      if (waited > 180_000) throw new Error(`waited 3 minutes for the build lock ${LOCK}`);
      await new Promise((done) => setTimeout(done, 200));
      continue;
    }
    try {
      const build = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
      // tsc emits even with type errors elsewhere in the tree; only a missing entry point is fatal.
      if (builtAt() === 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
    } finally {
      rmdirSync(LOCK);
    }
    return;
  }
}

export interface LogLine {
  level: number;
  event?: string;
  msg: string;
  [key: string]: unknown;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  signal(name: NodeJS.Signals): void;
}

const running = new Set<RunningCli>();

export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const logs: LogLine[] = [];
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        // Not a log line (a command's plain output).
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
  const exited = new Promise<number | string>((done) => child.once("exit", (code, signal) => done(code ?? signal ?? "unknown")));
  const cli: RunningCli = { child, logs, stdout: () => out, stderr: () => err, exited, signal: (name) => child.kill(name) };
  running.add(cli);
  void exited.then(() => running.delete(cli));
  return cli;
}

/** Runs a CLI command to its end. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const cli = startCli(args, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Kills whatever a test left running. */
export async function stopAll(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.child.kill("SIGKILL");
  await Promise.all(left.map((cli) => cli.exited));
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}
