// Starts a real etcd cluster (Debian etcd-server 3.4, /usr/bin/etcd) for integration tests: one or
// three members on free ports, each with its own data directory, fast heartbeat/election settings, and
// handles to stop, kill -9, pause (SIGSTOP), resume and restart each member so that tests can fail the
// store the way production fails it.
//
// Decisions: members are spawned directly rather than through daemon.ts because a 3-member cluster is
// only "ready" once a quorum is up, so readiness is checked for the cluster after all members started.
// A restart reuses the member's data directory and flags (etcd ignores --initial-cluster* once the
// data directory holds a member). `exec` is an argv prefix (e.g. ["ip","netns","exec","hub"]) so that a
// member can run inside a network namespace and listen on `listenHost`; `ip netns exec` execs etcd, so
// the pid we hold is etcd's own and signals reach it.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";
import type { TempDir } from "./temp-dir.js";

export const ETCD_BINARY = "/usr/bin/etcd";

export interface EtcdMember {
  name: string;
  /** Client URL, e.g. http://127.0.0.1:23791. */
  endpoint: string;
  /** The running process's pid (changes on restart); undefined while stopped. */
  readonly pid: number | undefined;
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash); the exit is awaited by stop()/restart(). */
  kill(): void;
  /** SIGSTOP: the process stays, answers nothing (a hung member). */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Stops it if running, then starts it again on the same data directory and ports. */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  endpoints: string[];
  members: EtcdMember[];
  /** Stops every member and removes the data directories (unless `dir` was given). */
  stop(): Promise<void>;
}

export interface EtcdClusterOptions {
  members?: 1 | 3;
  /** Parent directory for the members' data; a temporary one (removed on stop) when absent. */
  dir?: string;
  /** Address every member listens on (client and peer); default 127.0.0.1. */
  listenHost?: string;
  /** Argv prefix for each member, e.g. ["ip", "netns", "exec", "hub"]. */
  exec?: string[];
  /** Per member overrides of listenHost/exec (e.g. each member in its own namespace). */
  perMember?: Array<{ listenHost?: string; exec?: string[] }>;
  /** Serve clients over https with this certificate; with `caFile`, clients must present a certificate it signed. */
  clientTls?: { certFile: string; keyFile: string; caFile?: string };
  /** More etcd flags for every member (e.g. ["--auth-token", "simple"]). */
  extraArgs?: string[];
  readyWithinMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * True when the member answers /health with a leader. Uses a one-off connection (no keep-alive) so that
 * the check leaves no socket behind for tests that count them.
 */
export function memberHealthy(endpoint: string, timeoutMs = 1_000, tls?: { cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const secure = endpoint.startsWith("https:");
    // The check asks whether the member serves, not whether its certificate is right.
    const options = { agent: false as const, timeout: timeoutMs, ...(secure ? { rejectUnauthorized: false, cert: tls?.cert, key: tls?.key } : {}) };
    const request = (secure ? https : http).get(`${endpoint}/health`, options, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        try {
          resolve((JSON.parse(body) as { health?: string }).health === "true");
        } catch {
          resolve(false);
        }
      });
      response.on("error", () => resolve(false));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(false));
  });
}

export async function startEtcdCluster(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      // Ports are probed free on loopback, and a member binds its own address a moment later: the
      // ephemeral range is shared, so another socket may have taken one meanwhile. Other ports, twice more.
      if (attempt >= 3 || !/address already in use/.test(String(error))) throw error;
    }
  }
}

async function startOnce(options: EtcdClusterOptions): Promise<EtcdCluster> {
  const count = options.members ?? 3;
  let temp: TempDir | undefined;
  let base = options.dir;
  if (base === undefined) {
    temp = await makeTempDir("understudy-etcd-");
    base = temp.path;
  }
  const token = `understudy-test-${randomUUID()}`;
  const specs: Array<{ name: string; host: string; exec: string[]; clientPort: number; peerPort: number; dataDir: string }> = [];
  for (let index = 0; index < count; index++) {
    const override = options.perMember?.[index] ?? {};
    const host = override.listenHost ?? options.listenHost ?? "127.0.0.1";
    // Ports are probed on loopback; in a namespace any port is free anyway.
    specs.push({
      name: `etcd${index + 1}`,
      host,
      exec: override.exec ?? options.exec ?? [],
      clientPort: await freePort(),
      peerPort: await freePort(),
      dataDir: join(base, `etcd${index + 1}.data`),
    });
  }
  const initialCluster = specs.map((spec) => `${spec.name}=http://${spec.host}:${spec.peerPort}`).join(",");

  const members: EtcdMember[] = [];
  for (const spec of specs) {
    await mkdir(spec.dataDir, { recursive: true, mode: 0o700 });
    const clientUrl = `${options.clientTls ? "https" : "http"}://${spec.host}:${spec.clientPort}`;
    const peerUrl = `http://${spec.host}:${spec.peerPort}`;
    const args = [
      "--name", spec.name,
      "--data-dir", spec.dataDir,
      "--listen-client-urls", clientUrl,
      "--advertise-client-urls", clientUrl,
      "--listen-peer-urls", peerUrl,
      "--initial-advertise-peer-urls", peerUrl,
      "--initial-cluster", initialCluster,
      "--initial-cluster-state", "new",
      "--initial-cluster-token", token,
      "--heartbeat-interval", "100",
      "--election-timeout", "1000",
      "--log-level", "warn",
      "--logger", "zap",
      ...(options.clientTls ? ["--cert-file", options.clientTls.certFile, "--key-file", options.clientTls.keyFile] : []),
      ...(options.clientTls?.caFile ? ["--client-cert-auth", "--trusted-ca-file", options.clientTls.caFile] : []),
      ...(options.extraArgs ?? []),
    ];
    const argv = [...spec.exec, ETCD_BINARY, ...args];
    let child: ChildProcess | undefined;
    let output = "";
    const launch = () => {
      const started = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
      started.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      started.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      started.on("error", (error) => (output += `\nspawn failed: ${error.message}`));
      child = started;
    };
    const signal = (name: NodeJS.Signals) => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(name);
    };
    const stop = async () => {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      running.kill("SIGCONT"); // a paused member cannot act on SIGTERM
      running.kill("SIGTERM");
      const killer = setTimeout(() => running.kill("SIGKILL"), 5_000);
      await exited(running);
      clearTimeout(killer);
    };
    launch();
    members.push({
      name: spec.name,
      endpoint: clientUrl,
      get pid() {
        return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
      },
      output: () => output,
      stop,
      kill: () => signal("SIGKILL"),
      pause: () => signal("SIGSTOP"),
      resume: () => signal("SIGCONT"),
      restart: async () => {
        await stop();
        if (child) await exited(child);
        launch();
      },
    });
  }

  const stopAll = async () => {
    await Promise.all(members.map((member) => member.stop()));
    await temp?.stop();
  };
  const endpoints = members.map((member) => member.endpoint);
  const tls = options.clientTls?.caFile ? { cert: await readFile(options.clientTls.certFile), key: await readFile(options.clientTls.keyFile) } : undefined;
  const deadline = Date.now() + (options.readyWithinMs ?? 30_000);
  for (;;) {
    const health = await Promise.all(endpoints.map((endpoint) => memberHealthy(endpoint, 1_000, tls)));
    if (health.every(Boolean)) break;
    const dead = members.find((member) => member.pid === undefined);
    if (dead || Date.now() > deadline) {
      const outputs = members.map((member) => `--- ${member.name} (${member.endpoint}) ---\n${member.output().slice(-3_000)}`).join("\n");
      await stopAll();
      // Not a cluster to start again on: the next attempt begins with empty data directories.
      await Promise.all(specs.map((spec) => rm(spec.dataDir, { recursive: true, force: true })));
      throw new Error(`etcd cluster of ${count} was not healthy ${dead ? `(${dead.name} exited)` : `within ${options.readyWithinMs ?? 30_000} ms`}:\n${outputs}`);
    }
    await sleep(100);
  }
  return { endpoints, members, stop: stopAll };
}
