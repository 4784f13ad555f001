// `understudy demo`: a simulated homelab on loopback with the agent and the dashboard watching it.
//   understudy demo [--dir DIR] [--port N]   start; Ctrl-C stops everything
//   understudy demo kill SERVICE [--host H] kill the instance serving SERVICE (or the one on H) in the running demo
//   understudy demo restore SERVICE          start it again
// It prints the dashboard's address, a login, and the two variables that let the CLI in another terminal
// ask the demo's agent (`understudy status`, `drill`, `history`…): UNDERSTUDY_CONFIG and UNDERSTUDY_TOKEN.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SignalSource } from "./agent.js";
import { ListenError } from "../agent/http.js";
import { DEMO_STATE_FILE, startDemo, type DemoState } from "../demo/run.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";

export const usage = `Usage: understudy demo [--dir DIR] [--port N]
       understudy demo kill SERVICE [--host HOST] [--dir DIR]
       understudy demo restore SERVICE [--dir DIR]

  Starts a simulated homelab on loopback (the seed's hosts and services as small local processes,
  Headscale with a standby), the agent watching it and the dashboard, and prints the address and a
  login. Kill a primary (the Kill button, or \`understudy demo kill headscale\`) and watch the
  incident open and the failover happen. It prints an export line (UNDERSTUDY_CONFIG, UNDERSTUDY_TOKEN)
  for another terminal, where \`understudy status\`, \`understudy drill headscale\` and the other
  commands then ask the demo's agent. Ctrl-C stops everything.

  --dir DIR   where the demo keeps its config, state and logs (default .understudy-demo)
  --port N    the dashboard's port on 127.0.0.1 (default 8470; 0 picks a free one)
  --host H    (kill) the instance on host H rather than the one serving now`;

const DEFAULT_DIR = ".understudy-demo";

async function act(action: "kill" | "restore", service: string, dir: string, host: string | undefined, io: Io): Promise<number> {
  let state: DemoState;
  try {
    state = JSON.parse(readFileSync(join(resolve(dir), DEMO_STATE_FILE), "utf8")) as DemoState;
  } catch {
    throw new UsageError(`no demo is running from ${resolve(dir)}; start one with \`understudy demo\``);
  }
  let response: Response;
  try {
    const query = host === undefined ? "" : `?host=${encodeURIComponent(host)}`;
    response = await fetch(`${state.url}/api/demo/${action}/${encodeURIComponent(service)}${query}`, { method: "POST", headers: { authorization: `Bearer ${state.token}` }, signal: AbortSignal.timeout(10_000) });
  } catch {
    throw new UsageError(`the demo at ${state.url} does not answer; is it still running?`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: string; killed?: string; started?: string; host?: string };
  if (!response.ok) throw new UsageError(body.error ?? `the demo answered ${response.status}`);
  writeLine(io.stdout, action === "kill" ? `killed ${body.killed} on ${body.host}; watch the dashboard at ${state.url}/` : `started ${body.started} on ${body.host}`);
  return 0;
}

export async function demo(argv: string[], io: Io, signals: SignalSource = process): Promise<number> {
  const { values, positionals } = parseFlags(argv, { dir: { type: "string" }, port: { type: "string" }, host: { type: "string" } }, usage, true);
  const dir = values.dir ?? DEFAULT_DIR;
  const [action, service, ...rest] = positionals;
  if (action !== undefined) {
    if ((action !== "kill" && action !== "restore") || service === undefined || rest.length > 0) throw new UsageError(`expected \`demo kill SERVICE\` or \`demo restore SERVICE\``, usage);
    if (values.host !== undefined && action !== "kill") throw new UsageError("--host goes with `demo kill`", usage);
    return act(action, service, dir, values.host, io);
  }
  if (values.host !== undefined) throw new UsageError("--host goes with `demo kill SERVICE`", usage);
  const port = Number(values.port ?? "8470");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number, got "${values.port}"`, usage);
  let running;
  try {
    running = await startDemo({ dir, listen: `127.0.0.1:${port}`, env: io.env });
  } catch (error) {
    if (error instanceof ListenError) throw new UsageError(`${error.message.replace(/; set agents.listen$/, "")}; pick another with --port`);
    throw error;
  }
  writeLine(io.stdout, [
    "Understudy demo: a homelab of 5 hosts and 9 services, simulated on loopback.",
    `  Dashboard:    ${running.url}/`,
    `  Login:        ${running.user} / ${running.password}   (shown once)`,
    `  Status page:  ${running.url}/status`,
    "",
    "Kill a primary and watch the incident and the failover:",
    `  understudy demo kill headscale${dir === DEFAULT_DIR ? "" : ` --dir ${dir}`}   (or the Kill button on the dashboard)`,
    "",
    `Headscale's database has ${running.snapshots.length} snapshots already (a backup every 10 minutes) and a drill.`,
    "In another terminal, the CLI asks this demo's agent after:",
    `  export UNDERSTUDY_CONFIG=${running.configFile} UNDERSTUDY_TOKEN=${running.token}`,
    "  understudy status; understudy backup list; understudy drill headscale --dry-run",
    "",
    `Config, state and the agent's log are in ${running.dir}. Ctrl-C stops everything.`,
  ].join("\n"));
  return new Promise<number>((resolveExit) => {
    const onStop = () => {
      for (const signal of ["SIGINT", "SIGTERM"] as const) signals.off(signal, onStop);
      writeLine(io.stdout, "stopping the demo…");
      void running.stop().then(() => {
        writeLine(io.stdout, "stopped; nothing left running.");
        resolveExit(0);
      });
    };
    for (const signal of ["SIGINT", "SIGTERM"] as const) signals.on(signal, onStop);
  });
}
