// A lab of Linux network namespaces for the multi-agent tests, so that partitions are real network
// changes rather than mocks: a bridge "hub" in the root namespace holding 10.<x>.0.254/24, one netns per
// node (agent) joined to it by a veth pair and addressed 10.<x>.0.101…, and the shared parts (etcd
// members, services, BIND) listening on extra /32 addresses of the hub (10.<x>.0.1–3, .10/.11, .53)
// so the test process in the root namespace reaches everything directly and a node reaches the hub
// only through its veth.
//
// Decisions:
// - A cut is a route inside the node's namespace. Mode "drop" (default) routes the target /32 into
//   `lo`, where the kernel discards it silently (not local, no forwarding): connects hang and time out,
//   as across a dead link. Mode "reject" is a `blackhole` route: sends fail at once (EINVAL). There is
//   no iptables here and tc has no classful qdisc, so routes are the tool. `isolate()` takes the node's
//   link down altogether. Replies to connections made *to* the node are cut too, since they leave
//   through the same routing table.
// - Names are unique per test run: namespaces "us-<pid>-<n>-<node>", links "usb<pid>x<n>" / "usv<pid>x<k>"
//   (Linux caps link names at 15 characters). The /24 is picked from 10.100–249 and checked against the
//   addresses and routes in use. Labs left over by a crashed run (their pid dead) are swept on start.
// - Cleanup runs in `stop()` and, as a last resort, synchronously on process exit: kill what the lab
//   started, delete each namespace (which destroys its veth end) and the bridge.
// - `ip netns exec NS cmd` execs cmd after setns, so the pid we hold is the command's own and SIGSTOP /
//   SIGKILL reach it (no wrapper process in between).
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs `ip ARGS…`; the error names the command and what ip said. */
export async function ip(...args: string[]): Promise<string> {
  try {
    return (await run("ip", args, { encoding: "utf8" })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`ip ${args.join(" ")} failed: ${stderr.trim() || String(error)} (network namespaces need root and iproute2)`, { cause: error });
  }
}

export interface LabProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it printed so far (stdout then stderr interleaved as they came). */
  output(): string;
  /** Its stdout lines that parsed as JSON (the agent's log lines). */
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name) once it ended. */
  readonly exited: Promise<number | string>;
  /** Wall time it was seen to end; undefined while running. */
  endedAt(): number | undefined;
  running(): boolean;
  signal(name: NodeJS.Signals): void;
  /** SIGKILL (after SIGCONT, since a stopped process cannot die before it runs) and wait. */
  kill(): Promise<void>;
}

export type CutMode = "drop" | "reject";

export interface LabNode {
  readonly name: string;
  readonly netns: string;
  /** Its address on the hub, e.g. 10.123.0.101. */
  readonly address: string;
  /** Starts argv inside the namespace. */
  spawn(argv: string[], options?: { env?: Record<string, string>; cwd?: string }): LabProcess;
  /** Runs argv inside the namespace to its end. */
  exec(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Cuts the node from each address (both directions of any exchange the node takes part in). */
  cut(addresses: string[], mode?: CutMode): Promise<void>;
  /** Removes the cuts to these addresses (all of them when absent) and brings the link back up. */
  heal(addresses?: string[]): Promise<void>;
  /** Takes the node's link down: it reaches nothing and nothing reaches it. */
  isolate(): Promise<void>;
  /** The addresses currently cut, and whether the link is down. */
  cuts(): { addresses: string[]; isolated: boolean };
}

export interface Lab {
  readonly id: string;
  /** "10.<x>.0". */
  readonly prefix: string;
  readonly bridge: string;
  /** 10.<x>.0.<host>. */
  address(host: number): string;
  /** Adds 10.<x>.0.<host>/32 to the hub so a root-namespace process can listen on it; returns it. */
  hubAddress(host: number): Promise<string>;
  addNode(name: string): Promise<LabNode>;
  readonly nodes: LabNode[];
  /** Starts argv in the root namespace, tracked so that stop() kills it. */
  spawn(argv: string[], options?: { env?: Record<string, string>; cwd?: string }): LabProcess;
  stop(): Promise<void>;
}

let labCount = 0;
let linkCount = 0;
const liveLabs = new Set<{ netns: string[]; links: string[]; processes: Set<LabProcess> }>();

function exitCleanup(): void {
  for (const lab of liveLabs) {
    for (const proc of lab.processes) if (proc.running()) proc.child.kill("SIGKILL");
    for (const netns of lab.netns) spawnSync("ip", ["netns", "delete", netns]);
    for (const link of lab.links) spawnSync("ip", ["link", "delete", link]);
  }
  liveLabs.clear();
}
process.once("exit", exitCleanup);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes the namespaces and links of labs whose process is gone (a crashed or killed test run). */
export async function sweepStaleLabs(): Promise<string[]> {
  const removed: string[] = [];
  const namespaces = (await ip("netns", "list")).split("\n").map((line) => line.split(" ")[0]!).filter(Boolean);
  for (const netns of namespaces) {
    const match = /^us-(\d+)-/.exec(netns);
    if (match && !alive(Number(match[1]))) {
      await ip("netns", "delete", netns).catch(() => undefined);
      removed.push(netns);
    }
  }
  const links = JSON.parse(await ip("-j", "link", "show")) as Array<{ ifname: string }>;
  for (const { ifname } of links) {
    const match = /^us[bv](\d+)x/.exec(ifname);
    if (match && !alive(Number(match[1]))) {
      await ip("link", "delete", ifname).catch(() => undefined);
      removed.push(ifname);
    }
  }
  return removed;
}

async function pickSubnet(): Promise<number> {
  const used = (await ip("-o", "addr")) + (await ip("route"));
  for (let attempt = 0; attempt < 150; attempt++) {
    const x = 100 + ((process.pid * 7 + labCount * 13 + attempt) % 150);
    if (!used.includes(`10.${x}.`)) return x;
  }
  throw new Error("no free 10.x.0.0/24 in 10.100–249 for a test lab: delete leftover bridges (ip -br addr | grep 10.) and retry");
}

function trackProcess(argv: string[], options: { env?: Record<string, string>; cwd?: string }, processes: Set<LabProcess>): LabProcess {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: { ...process.env, NO_COLOR: "1", ...options.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let partial = "";
  const logs: Array<Record<string, unknown>> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    out += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // A plain line that happens to start with a brace.
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
  child.on("error", (error) => (out += `\nspawn ${argv[0]} failed: ${error.message}`));
  let endedAt: number | undefined;
  const exited = new Promise<number | string>((done) => child.once("exit", (code, signal) => {
    endedAt = Date.now();
    done(code ?? signal ?? "unknown");
  }));
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const proc: LabProcess = {
    child,
    pid: child.pid ?? -1,
    output: () => out,
    logs,
    exited,
    endedAt: () => endedAt,
    running,
    signal: (name) => {
      if (running()) child.kill(name);
    },
    async kill() {
      if (running()) {
        child.kill("SIGCONT");
        child.kill("SIGKILL");
      }
      await exited;
    },
  };
  processes.add(proc);
  void exited.then(() => processes.delete(proc));
  return proc;
}

/** Creates a lab: the hub bridge with 10.<x>.0.254/24. Call `stop()` in afterAll. */
export async function createLab(): Promise<Lab> {
  await sweepStaleLabs();
  const index = ++labCount;
  const x = await pickSubnet();
  const prefix = `10.${x}.0`;
  const id = `us-${process.pid}-${index}`;
  const bridge = `usb${process.pid}x${index}`;
  const state = { netns: [] as string[], links: [bridge], processes: new Set<LabProcess>() };
  liveLabs.add(state);
  await ip("link", "add", bridge, "type", "bridge");
  await ip("addr", "add", `${prefix}.254/24`, "dev", bridge);
  await ip("link", "set", bridge, "up");
  const nodes: LabNode[] = [];
  const address = (host: number) => `${prefix}.${host}`;

  const addNode = async (name: string): Promise<LabNode> => {
    if (!/^[a-z0-9]{1,8}$/.test(name)) throw new Error(`lab node name "${name}": expected 1–8 lowercase letters or digits`);
    const netns = `${id}-${name}`;
    const hostSide = `usv${process.pid}x${++linkCount}`;
    const nodeAddress = address(101 + nodes.length);
    await ip("netns", "add", netns);
    state.netns.push(netns);
    await ip("link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", netns);
    state.links.push(hostSide);
    await ip("link", "set", hostSide, "master", bridge, "up");
    await ip("-n", netns, "link", "set", "lo", "up");
    await ip("-n", netns, "addr", "add", `${nodeAddress}/24`, "dev", "eth0");
    await ip("-n", netns, "link", "set", "eth0", "up");
    const cut = new Map<string, CutMode>();
    let isolated = false;
    const routeArgs = (target: string, mode: CutMode) => (mode === "drop" ? [`${target}/32`, "dev", "lo"] : ["blackhole", `${target}/32`]);
    const node: LabNode = {
      name,
      netns,
      address: nodeAddress,
      spawn: (argv, options = {}) => trackProcess(["ip", "netns", "exec", netns, ...argv], options, state.processes),
      async exec(argv) {
        try {
          const { stdout, stderr } = await run("ip", ["netns", "exec", netns, ...argv], { encoding: "utf8" });
          return { code: 0, stdout, stderr };
        } catch (error) {
          const failed = error as { code?: number; stdout?: string; stderr?: string };
          return { code: typeof failed.code === "number" ? failed.code : -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? String(error) };
        }
      },
      async cut(targets, mode = "drop") {
        for (const target of targets) {
          if (cut.has(target)) continue;
          await ip("-n", netns, "route", "add", ...routeArgs(target, mode));
          cut.set(target, mode);
        }
      },
      async heal(targets) {
        for (const target of targets ?? [...cut.keys()]) {
          const mode = cut.get(target);
          if (mode === undefined) continue;
          await ip("-n", netns, "route", "del", ...routeArgs(target, mode));
          cut.delete(target);
        }
        if (targets === undefined && isolated) {
          await ip("-n", netns, "link", "set", "eth0", "up");
          isolated = false;
        }
      },
      async isolate() {
        await ip("-n", netns, "link", "set", "eth0", "down");
        isolated = true;
      },
      cuts: () => ({ addresses: [...cut.keys()], isolated }),
    };
    nodes.push(node);
    return node;
  };

  return {
    id,
    prefix,
    bridge,
    address,
    async hubAddress(host) {
      const hub = address(host);
      await ip("addr", "add", `${hub}/32`, "dev", bridge);
      return hub;
    },
    addNode,
    nodes,
    spawn: (argv, options = {}) => trackProcess(argv, options, state.processes),
    async stop() {
      await Promise.all([...state.processes].map((proc) => proc.kill()));
      for (const netns of state.netns) await ip("netns", "delete", netns).catch(() => undefined);
      for (const link of state.links) await ip("link", "delete", link).catch(() => undefined);
      liveLabs.delete(state);
    },
  };
}
