// Runs the demo's service instances as child processes (service-process.js), one per service on each
// of its hosts, each on a port of its own on 127.0.0.1; kills and restarts them on request; stops them
// all. Children exit on their own if this process dies (their stdin closes), so nothing outlives the demo.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { demoSqlite, portKey } from "./config.js";
import { demoInstances, type DemoService } from "./homelab.js";

const SCRIPT = fileURLToPath(new URL("./service-process.js", import.meta.url));
const START_TIMEOUT_MS = 10_000;

interface Instance {
  service: DemoService;
  host: string;
  port: number;
  child: ChildProcess | undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class Supervisor {
  private readonly instances = new Map<string, Instance>();

  private constructor(private readonly dataDir: string) {}

  /** Picks a port for every instance (nothing started yet). */
  static async create(dataDir: string): Promise<Supervisor> {
    const supervisor = new Supervisor(dataDir);
    for (const { service, host } of demoInstances()) supervisor.instances.set(portKey(service.name, host), { service, host, port: await freePort(), child: undefined });
    return supervisor;
  }

  get ports(): Map<string, number> {
    return new Map([...this.instances].map(([key, instance]) => [key, instance.port]));
  }

  /** The process ids running now (for tests that check nothing is left behind). */
  get pids(): number[] {
    return [...this.instances.values()].flatMap((instance) => (instance.child?.pid !== undefined && instance.child.exitCode === null ? [instance.child.pid] : []));
  }

  async startAll(): Promise<void> {
    await Promise.all([...this.instances.values()].map((instance) => this.start(instance)));
  }

  isRunning(service: string, host: string): boolean {
    const child = this.instances.get(portKey(service, host))?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(instance: Instance): Promise<void> {
    if (instance.child && instance.child.exitCode === null && instance.child.signalCode === null) return;
    const args = [SCRIPT, instance.service.name, instance.host, String(instance.port)];
    if (instance.service.sqlite) args.push(demoSqlite(this.dataDir, instance.service.name, instance.host));
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
    instance.child = child;
    let seen = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo service ${instance.service.name} on ${instance.host} did not start within ${START_TIMEOUT_MS / 1000}s`)), START_TIMEOUT_MS);
      child.stdout!.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes("listening")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`demo service ${instance.service.name} on ${instance.host} exited (${code}) before listening`));
      });
    });
  }

  /** Kills the instance on `host` at once (SIGKILL: a crash, not a shutdown). */
  async kill(service: string, host: string): Promise<void> {
    const instance = this.instances.get(portKey(service, host));
    const child = instance?.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  async restart(service: string, host: string): Promise<void> {
    const instance = this.instances.get(portKey(service, host));
    if (instance) await this.start(instance);
  }

  /** Stops every child (SIGTERM, then SIGKILL after 3 s) and waits for each to exit. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.instances.values()].map(async (instance) => {
      const child = instance.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(force);
    }));
  }
}
