// The lab of network namespaces (netns.ts) really partitions: a node reaches a TCP server on the hub,
// a cut (silent drop or reject) stops exactly that address while others stay reachable, heal restores
// it, isolation cuts everything, and stop() leaves no namespace or link behind.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBinaries, requireRoot } from "./binaries.js";
import { createLab, ip, type Lab, type LabNode } from "./netns.js";

const available = requireBinaries("iproute2", "ip") && requireRoot("network namespaces and veth links");
let lab: Lab;
let node: LabNode;
const servers: Server[] = [];
let service: string;
let other: string;

/** Connects from inside the node; answers "ok", or the error code / "timeout" after 1.5 s. */
async function connect(from: LabNode, host: string, port = 7000): Promise<string> {
  const script = `const s=require("node:net").connect(${port},"${host}");s.setTimeout(1500,()=>{console.log("timeout");process.exit()});s.on("connect",()=>{console.log("ok");process.exit()});s.on("error",(e)=>{console.log(e.code);process.exit()})`;
  return (await from.exec([process.execPath, "-e", script])).stdout.trim();
}

async function listen(host: string): Promise<void> {
  const server = createServer((socket) => socket.end());
  servers.push(server);
  await new Promise<void>((done) => server.listen(7000, host, done));
}

describe.skipIf(!available)("a lab of network namespaces", () => {
  beforeAll(async () => {
    lab = await createLab();
    service = await lab.hubAddress(10);
    other = await lab.hubAddress(11);
    await listen(service);
    await listen(other);
    node = await lab.addNode("a1");
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    await lab?.stop();
  });

  it("a node reaches the hub until cut from one address; heal brings it back", async () => {
    expect(node.address).toBe(lab.address(101));
    expect(await connect(node, service)).toBe("ok");
    await node.cut([service]);
    expect(await connect(node, service)).toBe("timeout");
    expect(await connect(node, other)).toBe("ok");
    await node.heal([service]);
    expect(await connect(node, service)).toBe("ok");
  }, 30_000);

  it("a rejecting cut fails at once; isolation cuts everything until healed", async () => {
    await node.cut([service], "reject");
    expect(await connect(node, service)).not.toMatch(/^(ok|timeout)$/);
    await node.isolate();
    expect(await connect(node, other)).not.toBe("ok");
    expect(node.cuts()).toEqual({ addresses: [service], isolated: true });
    await node.heal();
    expect(node.cuts()).toEqual({ addresses: [], isolated: false });
    expect(await connect(node, service)).toBe("ok");
    expect(await connect(node, other)).toBe("ok");
  }, 30_000);

  it("a process spawned in the node is the command itself, and stop() removes every namespace and link", async () => {
    const proc = node.spawn(["sleep", "30"]);
    const comm = await new Promise<string>((done) => setTimeout(() => done(spawnedComm(proc.pid)), 300));
    expect(comm).toBe("sleep");
    const second = await createLab();
    const extra = await second.addNode("b1");
    expect(await ip("netns", "list")).toContain(extra.netns);
    await second.stop();
    expect(await ip("netns", "list")).not.toContain(extra.netns);
    expect(await ip("-br", "link")).not.toContain(second.bridge);
    await proc.kill();
  }, 30_000);
});

function spawnedComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}
