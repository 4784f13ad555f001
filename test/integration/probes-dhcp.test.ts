// The dhcp kind against a real dnsmasq: two network namespaces on a lab bridge (helpers/netns.ts), a
// DHCP server (dnsmasq --dhcp-range, --dhcp-option=6,… and 3,…) in one, and the check in the other,
// run by a small node script under `ip netns exec` (a process cannot change its own namespace; the
// script loads src/probes/dhcp.ts compiled by tsc into the test's temporary folder). Checked: both
// resolvers offered is up with what was offered; a resolver missing is down naming it; a router or a
// server other than the one expected is down; no server is down after the timeout; the server's
// lease file stays empty (the check never takes a lease); without root it says port 68 needs it.
import { spawnSync } from "node:child_process";
import { chmod, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./agent-harness.js";
import { findBinary, requireBinaries, requireRoot } from "./helpers/binaries.js";
import { createLab } from "./helpers/netns.js";
import type { Lab, LabNode, LabProcess } from "./helpers/netns.js";
import { makeTempDir } from "./helpers/temp-dir.js";
import type { TempDir } from "./helpers/temp-dir.js";

const available = requireRoot("the dhcp check binds UDP port 68 in a network namespace") && requireBinaries("iproute2", "ip") && requireBinaries("dnsmasq", "dnsmasq");

// Runs the dhcp probe once on SPEC (JSON) with TIMEOUT ms and prints its result as JSON.
const RUNNER = `
const [, , compiled] = process.argv;
const { dhcp } = await import(compiled + "/src/probes/dhcp.js");
const timeoutMs = Number(process.env.TIMEOUT);
const signal = AbortSignal.timeout(timeoutMs);
const result = await dhcp.run(dhcp.schema.parse(JSON.parse(process.env.SPEC)), { signal, timeoutMs, now: Date.now, secret: async () => "" });
process.stdout.write(JSON.stringify(result));
`;

interface Result {
  ok: boolean;
  reason?: string;
  message: string;
  details?: Record<string, unknown>;
}

describe.skipIf(!available)("dhcp probe against a real dnsmasq in a network namespace", () => {
  let temp: TempDir;
  let lab: Lab;
  let server: LabNode;
  let client: LabNode;
  let dnsmasq: LabProcess | undefined;
  let compiled = "";
  const at = (host: number) => lab.address(host);

  async function startDnsmasq(dnsServers: number[]): Promise<void> {
    await dnsmasq?.kill();
    dnsmasq = server.spawn([
      findBinary("dnsmasq")!,
      "--no-daemon",
      "--conf-file=/dev/null",
      "--port=0", // no DNS service: DHCP only
      "--interface=eth0",
      "--bind-interfaces",
      `--dhcp-range=${at(150)},${at(160)},255.255.255.0,12h`,
      `--dhcp-option=3,${at(1)}`,
      `--dhcp-option=6,${dnsServers.map(at).join(",")}`,
      `--dhcp-leasefile=${join(temp.path, "leases")}`,
      `--pid-file=${join(temp.path, "dnsmasq.pid")}`,
      "--user=root",
      "--log-dhcp",
      "--log-facility=-",
    ]);
    // Ready once it logs the DHCP range it serves.
    const deadline = Date.now() + 5_000;
    while (!/DHCP, IP range/.test(dnsmasq.output())) {
      if (!dnsmasq.running() || Date.now() > deadline) throw new Error(`dnsmasq did not start:\n${dnsmasq.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Runs the check in the client's namespace; `asUser` drops root first (setpriv), as an agent run as a plain user. */
  async function check(spec: unknown, timeoutMs = 8_000, asUser?: string): Promise<Result> {
    const drop = asUser === undefined ? [] : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", "--inh-caps=-all"];
    const run = await client.exec([...drop, "env", `SPEC=${JSON.stringify(spec)}`, `TIMEOUT=${timeoutMs}`, process.execPath, join(temp.path, "runner.mjs"), compiled]);
    if (run.code !== 0) throw new Error(`the runner failed (${run.code}): ${run.stderr}`);
    return JSON.parse(run.stdout) as Result;
  }

  beforeAll(async () => {
    temp = await makeTempDir("understudy-dhcp-");
    compiled = join(temp.path, "compiled");
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "--outDir", compiled, "--rootDir", ROOT, "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck", "--noCheck", "--types", "node", join(ROOT, "src/probes/dhcp.ts")], { encoding: "utf8" });
    if (tsc.status !== 0) throw new Error(`compiling the dhcp probe failed:\n${tsc.stdout}${tsc.stderr}`);
    await symlink(join(ROOT, "node_modules"), join(temp.path, "node_modules"));
    await writeFile(join(temp.path, "runner.mjs"), RUNNER);
    await chmod(temp.path, 0o755); // readable by the unprivileged run
    lab = await createLab();
    server = await lab.addNode("dhcpd");
    client = await lab.addNode("client");
  }, 60_000);

  afterAll(async () => {
    await dnsmasq?.kill();
    await lab?.stop();
    await temp?.stop();
  });

  it("is up when both resolvers are offered, and reports the server, address, router, DNS servers and lease", async () => {
    await startDnsmasq([2, 3]);
    const result = await check({ interface: "eth0", expect: { server: server.address, dns_servers: [at(2), at(3)], router: at(1) } });
    expect(result, result.message).toMatchObject({ ok: true });
    expect(result.details).toMatchObject({ server: server.address, routers: [at(1)], dns_servers: [at(2), at(3)], lease_s: 43_200 });
    const offered = (result.details as { address: string }).address;
    expect(offered.startsWith(`${lab.prefix}.1`)).toBe(true);
    expect(Number(offered.split(".")[3])).toBeGreaterThanOrEqual(150);
    expect(result.message).toContain(`${server.address} offered ${offered}, router ${at(1)}, DNS ${at(2)}, ${at(3)}, lease 12h`);
    // The shorthand (an interface name) passes with any offer.
    expect(await check("eth0")).toMatchObject({ ok: true });
  }, 30_000);

  it("never takes a lease: dnsmasq's lease file holds none after the offers", async () => {
    const leases = await readFile(join(temp.path, "leases"), "utf8").catch(() => "");
    expect(leases.trim()).toBe("");
    expect(dnsmasq!.output()).toMatch(/DHCPOFFER\(eth0\)/);
    expect(dnsmasq!.output()).not.toMatch(/DHCPREQUEST|DHCPACK/);
  });

  it("is down naming the resolver that is not handed out", async () => {
    await startDnsmasq([2]);
    const result = await check({ interface: "eth0", expect: { dns_servers: [at(2), at(3)] } });
    expect(result).toMatchObject({ ok: false, reason: "offer" });
    expect(result.message).toContain(`DNS server ${at(3)} not offered (offered: ${at(2)})`);
    expect(result.message).not.toContain(`DNS servers ${at(2)}`);
  }, 30_000);

  it("is down when the router or the answering server is not the one expected", async () => {
    const router = await check({ interface: "eth0", expect: { router: at(254) } });
    expect(router).toMatchObject({ ok: false, reason: "offer" });
    expect(router.message).toContain(`router ${at(254)} not offered (offered: ${at(1)})`);
    const other = await check({ interface: "eth0", expect: { server: at(9) } }, 3_000);
    expect(other).toMatchObject({ ok: false, reason: "server" });
    expect(other.message).toContain(`no offer from ${at(9)}; offers came from ${server.address}`);
  }, 30_000);

  it("is down after the timeout with a clear reason when no server answers", async () => {
    await dnsmasq!.kill();
    const started = Date.now();
    const result = await check({ interface: "eth0", expect: { dns_servers: [at(2)] } }, 3_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_900);
    expect(result).toMatchObject({ ok: false, reason: "timeout" });
    expect(result.message).toMatch(new RegExp(`^dhcp on eth0: no DHCP server answered [234] DISCOVERs from ${client.address.replace(/\./g, "\\.")} within 3s\\.$`));
  }, 30_000);

  it("says that port 68 needs root when run without it", async () => {
    const result = await check("eth0", 3_000, "65534");
    expect(result).toMatchObject({ ok: false, reason: "permission" });
    expect(result.message).toBe("dhcp on eth0 was not tried: cannot bind UDP 0.0.0.0:68: port 68 is privileged; run the agent as root or give it CAP_NET_BIND_SERVICE.");
  }, 30_000);

  it("says what is wrong with the interface, without trying", async () => {
    const missing = await check({ interface: "eth9" });
    expect(missing).toMatchObject({ ok: false, reason: "interface" });
    expect(missing.message).toMatch(/^dhcp on eth9 was not tried: there is no interface eth9 on this host \(it has lo, eth0\)\.$/);
    const loopback = await check("lo");
    expect(loopback).toMatchObject({ ok: false, reason: "interface" });
    expect(loopback.message).toContain("has no Ethernet address");
  }, 30_000);
});
