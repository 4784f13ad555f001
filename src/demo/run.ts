// `understudy demo`'s engine: picks ports, writes the demo config into the demo folder, starts the
// simulated homelab (supervisor.ts) and the agent with the dashboard on it, and hands back what to
// print and how to stop. The operator's password is random and shown once; an operator API token is
// kept in demo.json (mode 0600) for `understudy demo kill`, and printed for the CLI in another terminal
// (UNDERSTUDY_TOKEN, with UNDERSTUDY_CONFIG naming the demo's config, so `understudy status` finds the
// agent). Port 0 is resolved to a free port before the config is written, so the config names the
// address the agent really listens on. Before the agent starts, the demo takes Headscale's first
// snapshots (first-snapshots.ts).
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { startAgent, type Agent } from "../agent/agent.js";
import { createLogger } from "../agent/log.js";
import { hashPassword } from "../api/auth/password.js";
import { hashToken, newToken } from "../api/auth/tokens.js";
import type { DemoControl } from "../api/deps.js";
import { loadConfig } from "../config/load.js";
import { demoConfig, portKey } from "./config.js";
import { takeFirstSnapshots } from "./first-snapshots.js";
import { DEMO_SERVICES } from "./homelab.js";
import { Supervisor } from "./supervisor.js";

export const DEMO_STATE_FILE = "demo.json";

export interface DemoOptions {
  dir: string;
  /** agents.listen of the demo's agent ("127.0.0.1:8470"; port 0 picks a free one). */
  listen: string;
  env: NodeJS.ProcessEnv;
}

export interface RunningDemo {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  readonly configFile: string;
  /** An operator API token for the CLI in another terminal (UNDERSTUDY_TOKEN). */
  readonly token: string;
  /** Headscale's snapshots taken at the start. */
  readonly snapshots: readonly string[];
  /** The service processes running now. */
  pids(): number[];
  stop(): Promise<void>;
}

export interface DemoState {
  url: string;
  token: string;
  pid: number;
}

/** The host serving `service` now, as the agent sees it; undefined when the agent cannot say. */
async function activeHost(url: string, token: string, service: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${url}/api/topology`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2_000) });
    const topology = (await response.json()) as { services: Array<{ name: string; active_host: string | null }> };
    return topology.services.find((candidate) => candidate.name === service)?.active_host ?? undefined;
  } catch {
    return undefined;
  }
}

function control(supervisor: Supervisor, agentRef: { url?: string }, token: string): DemoControl {
  const hostsOf = (name: string) => {
    const service = DEMO_SERVICES.find((candidate) => candidate.name === name)!;
    return [...service.hosts, ...(service.standby ?? [])];
  };
  return {
    services: () => DEMO_SERVICES.map((service) => service.name),
    hosts: hostsOf,
    async kill(service, chosen) {
      const hosts = hostsOf(service);
      const active = chosen === undefined && agentRef.url ? await activeHost(agentRef.url, token, service) : undefined;
      const host = chosen ?? (active && supervisor.isRunning(service, active) ? active : hosts.find((candidate) => supervisor.isRunning(service, candidate))) ?? hosts[0]!;
      await supervisor.kill(service, host);
      return { killed: service, host };
    },
    async restore(service) {
      const stopped = hostsOf(service).filter((host) => !supervisor.isRunning(service, host));
      for (const host of stopped) await supervisor.restart(service, host);
      return { started: service, host: stopped.join(", ") || "(all were running)" };
    },
  };
}

/** bin/understudy.js of this build, which the drill's actions run (dist/demo/ → ../../bin). */
const CLI = [process.execPath, fileURLToPath(new URL("../../bin/understudy.js", import.meta.url))];

/** "127.0.0.1:0" → a free port now, so that the config names the agent's real address. */
async function concreteListen(listen: string): Promise<string> {
  const match = /^(.*):0$/.exec(listen);
  if (!match) return listen;
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, match[1], done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return `${match[1]}:${port}`;
}

/** A few health requests to the Headscale stand-in: each writes a row, so snapshots differ. */
async function touchHeadscale(ports: ReadonlyMap<string, number>): Promise<void> {
  const port = ports.get(portKey("headscale", DEMO_SERVICES.find((service) => service.name === "headscale")!.hosts[0]!));
  for (let n = 0; n < 5; n++) await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.text()).catch(() => "");
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString("base64url");
  const token = newToken();
  const supervisor = await Supervisor.create(dir);
  const configFile = join(dir, "understudy.yaml");
  const listen = await concreteListen(options.listen);
  writeFileSync(configFile, demoConfig({ ports: supervisor.ports, listen, dataDir: dir, passwordHash: await hashPassword(password), tokenHash: hashToken(token), cli: CLI }), { mode: 0o600 });
  const agentRef: { url?: string } = {};
  let agent: Agent | undefined;
  let snapshots: string[] = [];
  try {
    await supervisor.startAll();
    const loaded = loadConfig(configFile);
    if (!loaded.ok) throw new Error(`bug: the demo's config does not load: ${loaded.diagnostics.map((diagnostic) => diagnostic.message).join("; ")}`);
    snapshots = await takeFirstSnapshots(loaded.config, dir, "headscale", () => touchHeadscale(supervisor.ports), options.env);
    const logger = createLogger({ destination: pino.destination({ dest: join(dir, "agent.log"), sync: true, mkdir: true }), level: options.env.UNDERSTUDY_LOG_LEVEL ?? "info" });
    agent = await startAgent({ configFile, env: options.env, logger, watchConfig: false, drainMs: 500, api: { demo: control(supervisor, agentRef, token) } });
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
  agentRef.url = agent.url;
  const state: DemoState = { url: agent.url, token, pid: process.pid };
  const stateFile = join(dir, DEMO_STATE_FILE);
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  const running = agent;
  let stopping: Promise<void> | undefined;
  return {
    url: agent.url,
    user: "demo",
    password,
    dir,
    configFile,
    token,
    snapshots,
    pids: () => supervisor.pids,
    stop: () => (stopping ??= (async () => {
      try {
        await running.stop();
      } finally {
        await supervisor.stopAll();
        rmSync(stateFile, { force: true });
      }
    })()),
  };
}
