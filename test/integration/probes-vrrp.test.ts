// The vrrp kind against a real keepalived: two network namespaces (ka1, ka2) on a lab bridge
// (helpers/netns.ts), keepalived in each sharing one virtual IP by unicast VRRP (ka1 priority 150,
// ka2 100), and the check run from the root namespace on the bridge, as a watching host on the same
// segment asks by ARP. Checked: ka1 holds it; a split brain (VRRP between them cut by bridge port
// isolation, each keeping its address and its link to the watcher) is down "held by 2 hosts" naming both; healed, one
// holder again; ka1's keepalived stopped, ka2 takes over and is named; none left is down; and an
// address answered by a machine that is not listed is down naming its MAC.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { vrrp } from "../../src/probes/vrrp.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { findBinary, requireBinaries, requireRoot } from "./helpers/binaries.js";
import { createLab, ip } from "./helpers/netns.js";
import type { Lab, LabNode, LabProcess } from "./helpers/netns.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const available =
  requireRoot("keepalived runs in network namespaces") && requireBinaries("iproute2", "ip") && requireBinaries("keepalived", "keepalived") && requireBinaries("iputils-arping", "arping");

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe.skipIf(!available)("vrrp probe against real keepalived in network namespaces", () => {
  let temp: TempDir;
  let lab: Lab;
  let ka1: LabNode;
  let ka2: LabNode;
  let vip = "";
  const daemons = new Map<string, LabProcess>();

  async function startKeepalived(node: LabNode, peer: LabNode, priority: number): Promise<void> {
    const conf = join(temp.path, `${node.name}.conf`);
    await writeFile(
      conf,
      `global_defs {\n  router_id ${node.name}\n}\n` +
        `vrrp_instance VI_US {\n  state ${priority > 100 ? "MASTER" : "BACKUP"}\n  interface eth0\n  virtual_router_id ${(process.pid % 250) + 1}\n` +
        `  priority ${priority}\n  advert_int 1\n  unicast_src_ip ${node.address}\n  unicast_peer {\n    ${peer.address}\n  }\n` +
        `  virtual_ipaddress {\n    ${vip}/24 dev eth0\n  }\n}\n`,
    );
    const pid = (name: string) => join(temp.path, `${node.name}-${name}.pid`);
    const daemon = node.spawn([findBinary("keepalived")!, "--dont-fork", "--log-console", "--vrrp", `--use-file=${conf}`, `--pid=${pid("main")}`, `--vrrp_pid=${pid("vrrp")}`, `--checkers_pid=${pid("checkers")}`]);
    daemons.set(node.name, daemon);
  }

  async function check(input: Record<string, unknown> = {}): Promise<ProbeResult> {
    const context = probeContext({ timeoutMs: 5_000 });
    contexts.push(context);
    const spec = vrrp.schema.parse({ address: vip, interface: lab.bridge, hosts: [{ name: "ka1", address: ka1.address }, { name: "ka2", address: ka2.address }], ...input });
    return vrrp.run(spec, context.ctx);
  }

  /**
   * Bridge port isolation: isolated ports reach the bridge itself (the watching host) but not each other,
   * so ka1 and ka2 stop hearing each other's adverts while each keeps its link and its address.
   */
  async function isolatePorts(state: "on" | "off"): Promise<void> {
    const ports = JSON.parse(await ip("-j", "link", "show", "master", lab.bridge)) as Array<{ ifname: string }>;
    for (const { ifname } of ports) execFileSync("bridge", ["link", "set", "dev", ifname, "isolated", state]);
  }

  /** Runs the check until `done` holds for its result (keepalived changes state within seconds). */
  async function checkUntil(done: (result: ProbeResult) => boolean, input: Record<string, unknown> = {}, withinMs = 20_000): Promise<ProbeResult> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const result = await check(input);
      if (done(result) || Date.now() > deadline) return result;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  beforeAll(async () => {
    temp = await makeTempDir("understudy-vrrp-");
    lab = await createLab();
    ka1 = await lab.addNode("ka1");
    ka2 = await lab.addNode("ka2");
    vip = lab.address(200);
    await startKeepalived(ka1, ka2, 150);
    await startKeepalived(ka2, ka1, 100);
  }, 60_000);

  afterAll(async () => {
    for (const daemon of daemons.values()) await daemon.kill();
    await lab?.stop();
    await temp?.stop();
  });

  it("names the master as the one holder", async () => {
    const result = await checkUntil((r) => r.ok);
    expect(result, `${result.message}\n${daemons.get("ka1")!.output()}`).toMatchObject({ ok: true });
    expect(result.message).toBe(`vrrp ${vip} is held by ka1, and only by it.`);
    expect(result.details).toMatchObject({ holders: ["ka1"] });
    const wrong = await check({ expect_holder: "ka2" });
    expect(wrong).toMatchObject({ ok: false, reason: "holder", message: `vrrp ${vip} is held by ka1, expected ka2.` });
  }, 30_000);

  it("is down 'held by 2 hosts' when VRRP between them is cut and both take the address", async () => {
    await isolatePorts("on");
    const result = await checkUntil((r) => r.reason === "split_brain");
    expect(result).toMatchObject({ ok: false, reason: "split_brain" });
    expect(result.message).toBe(`vrrp ${vip} is held by 2 hosts: ka1 and ka2 (split brain: each took the address).`);
    // Each still has its own address and link: this is VRRP failing, not a host gone.
    expect((await ka2.exec(["ip", "-o", "addr", "show", "dev", "eth0"])).stdout).toContain(`${ka2.address}/24`);
  }, 30_000);

  it("is up again with one holder once they hear each other", async () => {
    await isolatePorts("off");
    const result = await checkUntil((r) => r.ok);
    expect(result).toMatchObject({ ok: true, message: `vrrp ${vip} is held by ka1, and only by it.` });
  }, 30_000);

  it("names the backup once the master's keepalived stops", async () => {
    daemons.get("ka1")!.signal("SIGTERM");
    await daemons.get("ka1")!.exited;
    const result = await checkUntil((r) => r.ok && (r.details as { holders: string[] }).holders[0] === "ka2");
    expect(result).toMatchObject({ ok: true, message: `vrrp ${vip} is held by ka2, and only by it.` });
    expect(await check({ expect_holder: "ka1" })).toMatchObject({ ok: false, reason: "holder", message: `vrrp ${vip} is held by ka2, expected ka1.` });
  }, 30_000);

  it("is down when no host holds it, and when a machine that is not listed does", async () => {
    daemons.get("ka2")!.signal("SIGTERM");
    await daemons.get("ka2")!.exited;
    const none = await checkUntil((r) => r.reason === "none");
    expect(none).toMatchObject({ ok: false, reason: "none" });
    expect(none.message).toBe(`vrrp ${vip} is held by no host: nothing answered ARP for it within 2 s.`);
    const stranger = await lab.addNode("other");
    await ip("-n", stranger.netns, "addr", "add", `${vip}/24`, "dev", "eth0");
    const mac = JSON.parse(await ip("-n", stranger.netns, "-j", "link", "show", "eth0"))[0].address.toUpperCase() as string;
    const unknown = await check();
    expect(unknown).toMatchObject({ ok: false, reason: "unknown_holder" });
    expect(unknown.message).toBe(`vrrp ${vip} is held by an unknown machine (MAC ${mac}), which is none of ka1 and ka2.`);
  }, 40_000);
});
