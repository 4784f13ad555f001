// `understudy demo`'s engine: picks ports, writes the demo config into the demo folder, starts the
// simulated homelab (supervisor.ts) and the agent with the dashboard on it, and hands back what to
// print and how to stop. The operator's password is random and shown once; an operator API token is
// kept in demo.json (mode 0600) for `understudy demo kill`.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { startAgent, type Agent } from "../agent/agent.js";
import { createLogger } from "../agent/log.js";
import { hashPassword } from "../api/auth/password.js";
import { hashToken, newToken } from "../api/auth/tokens.js";
import type { DemoControl } from "../api/deps.js";
import { demoConfig } from "./config.js";
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
    async kill(service) {
      const hosts = hostsOf(service);
      const active = agentRef.url ? await activeHost(agentRef.url, token, service) : undefined;
      const host = (active && supervisor.isRunning(service, active) ? active : hosts.find((candidate) => supervisor.isRunning(service, candidate))) ?? hosts[0]!;
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

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString("base64url");
  const token = newToken();
  const supervisor = await Supervisor.create(dir);
  const configFile = join(dir, "understudy.yaml");
  writeFileSync(configFile, demoConfig({ ports: supervisor.ports, listen: options.listen, dataDir: dir, passwordHash: await hashPassword(password), tokenHash: hashToken(token) }), { mode: 0o600 });
  const agentRef: { url?: string } = {};
  let agent: Agent | undefined;
  try {
    await supervisor.startAll();
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
