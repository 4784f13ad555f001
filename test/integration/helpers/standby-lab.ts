// Two hosts for the standby lifecycle test and the silent-host bench: lab nodes "a" and "b" in network
// namespaces (netns.ts), each with its own real sshd (sshd.ts) and its own data folder, plus a real
// BIND 9 taking TSIG-signed RFC 2136 updates (named-update.ts) in the root namespace, where the agent
// runs. The service is wal-app.mjs, started and stopped on a host over SSH like a unit.
//
// Decisions:
// - Same path, different disks. Each host runs in mount and pid namespaces of its own (besides its
//   network namespace) where the host's folder (<tmp>/host-a) is bind-mounted on the lab's data path
//   (<tmp>/srv), so `data: [{ sqlite: <tmp>/srv/app.db }]` names one path that holds a different
//   database on each host, as on two real machines, and a host's /proc shows only its own processes
//   (what the receiving side of replication reads to see whether the data is in use). In the root
//   namespace (the agent's) that path is an empty folder: the agent reaches the data only through hosts.
// - `run(argv)` runs a command on a host in its namespaces (nsenter into its init), without SSH, so
//   the test can act on a host whose link is down (a host booting its service while cut off).
// - The app's pid (root namespace) is found in /proc by its command line and the host's pid namespace;
//   /proc/<pid>/fd shows the database as the app sees it.
// - stop() kills the apps, the sshds (each host's init, and with it everything on the host), named, the
//   namespaces and the temp folder; it is safe to call twice and after a failed start.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { readByQuery } from "../../../src/dns/dns-read.js";
import { freePort } from "./free-port.js";
import { startUpdatableNamed, type UpdatableNamed } from "./named-update.js";
import { createLab, type Lab, type LabNode } from "./netns.js";
import { startSshd, type Sshd } from "./sshd.js";
import { makeTempDir, type TempDir } from "./temp-dir.js";

export const WAL_APP = resolve(import.meta.dirname, "wal-app.mjs");
export const ZONE = "standby.test";
export const RECORD = `app.${ZONE}`;
/** The app's port on every host (each host has its own network namespace). */
export const APP_PORT = 8080;

export interface LabHost {
  readonly name: "a" | "b";
  readonly node: LabNode;
  readonly address: string;
  readonly sshd: Sshd;
  /** The host's own folder in the root namespace (what it sees at the lab's data path). */
  readonly folder: string;
  /** Runs argv on the host (its network and mount namespaces), even with its link down. */
  run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The app's pid when it runs. */
  appPid(): number | undefined;
  /** /health answered 200 from the root namespace (a client's view). */
  serving(timeoutMs?: number): Promise<boolean>;
  /** The app's own fence: kill -9 and wait. */
  killApp(): Promise<void>;
  startApp(): Promise<void>;
}

export interface StandbyLab {
  readonly lab: Lab;
  readonly dir: TempDir;
  /** The path of the service's data on every host (its folder there). */
  readonly dataPath: string;
  readonly hosts: { a: LabHost; b: LabHost };
  readonly named: UpdatableNamed;
  /** The wal-app command a unit would run on a host: start or stop (fence). */
  appCommand(verb: "start" | "stop"): string[];
  /** RECORD's answer from BIND; undefined when it did not answer. */
  answer(): Promise<string[] | undefined>;
  /** The host an address belongs to. */
  hostAt(address: string | undefined): LabHost | undefined;
  stop(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const readOr = (read: () => string, fallback = "") => {
  try {
    return read();
  } catch {
    return fallback;
  }
};

/** Root-namespace pids of the processes run as argv[0] `command` with every one of `parts` in their argv, optionally in one pid namespace. */
function findProcesses(command: string, parts: string[], pidNamespace?: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const args = readOr(() => readFileSync(`/proc/${entry}/cmdline`, "utf8")).split("\0");
    if (args[0] !== command || !parts.every((part) => args.includes(part))) continue;
    if (pidNamespace !== undefined && readOr(() => readlinkSync(`/proc/${entry}/ns/pid`)) !== pidNamespace) continue;
    found.push(Number(entry));
  }
  return found;
}

// A host's init: enters its network namespace, then new mount and pid namespaces (its own /proc), mounts
// its folder on the data path and runs its argv (sshd) as a child, reaping whatever is orphaned to it (a
// daemonized app that is killed). When the unshare above it dies, it dies, and with it every process
// of the host (--kill-child).
const INIT = 'mount --bind "$1" "$2" || exit 1; shift 2; "$@" & wait';

async function startHost(name: "a" | "b", lab: Lab, dir: string, dataPath: string, cleanups: Array<() => Promise<unknown>>): Promise<LabHost> {
  const node = await lab.addNode(name);
  const folder = join(dir, `host-${name}`);
  mkdirSync(folder);
  const wrap = ["ip", "netns", "exec", node.netns, "unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private", "sh", "-c", INIT, "host", folder, dataPath];
  const sshd = await startSshd({ listen: node.address, port: 22, wrap });
  cleanups.unshift(() => sshd.stop());
  // The init is the sh (unshare above it holds the same arguments, in the root pid namespace).
  const init = findProcesses("sh", [INIT, folder])[0];
  if (init === undefined) throw new Error(`host ${name}: its init process (sh running sshd) was not found in /proc`);
  const pidNamespace = readlinkSync(`/proc/${init}/ns/pid`);
  const appPid = () => findProcesses(process.execPath, [WAL_APP, "serve"], pidNamespace)[0];
  const host: LabHost = {
    name, node, address: node.address, sshd, folder, appPid,
    async run(argv) {
      const result = spawnSync("nsenter", ["-t", String(init), "-m", "-p", "-n", "--", ...argv], { encoding: "utf8", timeout: 30_000 });
      return { code: result.status ?? -1, stdout: result.stdout ?? "", stderr: result.stderr ?? String(result.error ?? "") };
    },
    async serving(timeoutMs = 800) {
      try {
        return (await fetch(`http://${node.address}:${APP_PORT}/health`, { signal: AbortSignal.timeout(timeoutMs) })).ok;
      } catch {
        return false;
      }
    },
    async killApp() {
      const pid = appPid();
      if (pid === undefined) return;
      process.kill(pid, "SIGKILL");
      while (alive(pid)) await sleep(20);
    },
    async startApp() {
      const result = await host.run([process.execPath, WAL_APP, "start", "--dir", dataPath, "--port", String(APP_PORT)]);
      if (result.code !== 0) throw new Error(`starting the app on ${name} failed (${result.code}): ${result.stderr}${result.stdout}`);
    },
  };
  cleanups.unshift(() => host.killApp());
  return host;
}

/** Starts the two hosts and BIND, with RECORD pointing at host a. The app runs nowhere yet. */
export async function startStandbyLab(): Promise<StandbyLab> {
  const dir = await makeTempDir("understudy-standby-lab-");
  const cleanups: Array<() => Promise<unknown>> = [() => dir.stop()];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
  };
  try {
    const lab = await createLab();
    cleanups.unshift(() => lab.stop());
    const dataPath = join(dir.path, "srv");
    mkdirSync(dataPath);
    const a = await startHost("a", lab, dir.path, dataPath, cleanups);
    const b = await startHost("b", lab, dir.path, dataPath, cleanups);
    const named = await startUpdatableNamed({ zone: ZONE, records: [`app IN A ${a.address}`] });
    cleanups.unshift(() => named.stop());
    const server = { host: "127.0.0.1", port: named.port };
    return {
      lab, dir, dataPath, hosts: { a, b }, named, stop,
      appCommand: (verb) => [process.execPath, WAL_APP, verb, "--dir", dataPath, ...(verb === "start" ? ["--port", String(APP_PORT)] : [])],
      async answer() {
        const state = await readByQuery(server, RECORD, "A", AbortSignal.timeout(1_000)).catch(() => undefined);
        return state?.ok ? [...state.values].sort() : undefined;
      },
      hostAt: (address) => [a, b].find((host) => host.address === address),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A free port for the agent's API on the root namespace's loopback. */
export const agentPort = freePort;
