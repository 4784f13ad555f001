// The vrrp kind: which host holds a virtual IP (keepalived's, or any VRRP router's), and that exactly
// one does. Asked by ARP from the watching host, with no access to the hosts themselves: iputils'
// `arping` broadcasts "who has <address>?" on the segment and every machine that holds the address
// answers with its MAC; each listed host's own address is ARPed too, so a MAC is named by its host.
// None answering is down ("held by no host"), two or more is down ("held by 2 hosts", a split brain:
// both routers lost each other's adverts and both took the address), a MAC that is no listed host's
// is down too (an address conflict, or a host missing from the list).
//
// Decisions:
// - ARP, not a command on each host: it needs no credentials, sees exactly what the clients on the
//   segment see, and still works when a host is too sick to answer SSH. The cost: the watching host
//   must be on the same layer-2 segment as the virtual IP, and a VRRP instance using a virtual MAC
//   (keepalived's use_vmac) answers with the same MAC from every holder, so there replies are counted
//   per request but not named.
// - A machine does not answer its own ARP requests: when the watching host is one of the listed
//   hosts (its address is local), whether it holds the address is read from its own interfaces.
// - arping (iputils-arping) needs CAP_NET_RAW; Debian installs it with that file capability.
//   `-b` keeps it broadcasting (it would otherwise unicast to the first MAC that answered).
import { execFile } from "node:child_process";
import { isIPv4 } from "node:net";
import { networkInterfaces } from "node:os";
import { z } from "zod";
import { defineProbe } from "./probe.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const ipv4Schema = z.string().refine((text) => isIPv4(text), { message: 'expected an IPv4 address such as "192.168.1.10"' });

const hostSchema = z
  .union([
    ipv4Schema.transform((address) => ({ name: address, address })),
    z.strictObject({
      name: z.string().min(1).describe("The host's name in messages (its name in the config's hosts, say)."),
      address: ipv4Schema.describe("Its own address on the segment (not the virtual IP)."),
    }),
  ])
  .describe('A VRRP router: { name, address } or just its address, e.g. { name: gw1, address: "192.168.1.2" }.');

export const vrrpSchema = z
  .strictObject({
    address: ipv4Schema.describe("The virtual IP, e.g. \"192.168.1.10\"."),
    hosts: z
      .array(hostSchema)
      .min(1)
      .refine((hosts) => new Set(hosts.map((host) => host.address)).size === hosts.length, { message: "each host's address once" })
      .describe("The hosts that may hold it (the keepalived peers), each with its own address."),
    expect_holder: z.string().min(1).optional().describe("The host that should hold it (by name): fail when another does."),
    interface: z
      .string()
      .regex(/^[^\s/]{1,15}$/, { message: 'expected a network interface name such as "eth0"' })
      .optional()
      .describe("The interface on the virtual IP's segment; by default arping picks it by the route to the address."),
    arping: z.string().min(1).default("arping").describe("The iputils arping executable (apt-get install -y iputils-arping). Default arping."),
  })
  .refine((spec) => spec.expect_holder === undefined || spec.hosts.some((host) => host.name === spec.expect_holder), {
    message: "expect_holder must be the name of one of the hosts",
    path: ["expect_holder"],
  })
  .describe("A VRRP check, asked by ARP from the watching host on the same segment: { address, hosts: [{ name, address }], expect_holder, interface }.");

export type VrrpSpec = z.output<typeof vrrpSchema>;

/** What one arping run heard: the MAC of each reply, per probe request (MACs upper case). */
export interface ArpingReport {
  replies: string[];
  sent: number;
}

/** Reads iputils arping's output ("Unicast reply from 10.0.0.1 [AA:BB:…]  0.5ms", "Sent 3 probes"). */
export function parseArping(output: string, address: string): ArpingReport | undefined {
  const sent = /^Sent (\d+) probes?/m.exec(output);
  if (sent === null) return undefined;
  const replies: string[] = [];
  for (const match of output.matchAll(/^(?:Unicast|Broadcast) reply from (\S+) \[([0-9A-Fa-f:]{17})\]/gm)) {
    if (match[1] === address) replies.push(match[2]!.toUpperCase());
  }
  return { replies, sent: Number(sent[1]) };
}

type Asked = ArpingReport | { error: string; reason: string };

function arping(spec: VrrpSpec, address: string, args: string[], signal: AbortSignal): Promise<Asked> {
  const argv = ["-b", ...(spec.interface === undefined ? [] : ["-I", spec.interface]), ...args, address];
  return new Promise((resolve) => {
    execFile(spec.arping, argv, { encoding: "utf8", signal, timeout: 10_000 }, (error, stdout, stderr) => {
      const report = parseArping(stdout, address);
      if (report !== undefined) return resolve(report);
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === "ENOENT") return resolve({ reason: "error", error: `${spec.arping} was not found (apt-get install -y iputils-arping)` });
      const said = stderr.trim().split("\n").slice(-1)[0] ?? "";
      if (/not permitted|permission/i.test(said)) return resolve({ reason: "permission", error: `${spec.arping} may not send ARP (${said}); it needs CAP_NET_RAW (setcap cap_net_raw+ep $(command -v arping)) or root` });
      if (/suitable device could not be determined|NETLINK_ROUTE/i.test(stderr)) {
        return resolve({ reason: "unreachable", error: `no interface leads to ${address} (arping found none by route); set \`interface\` to the one on its segment` });
      }
      if (/not available|no such device/i.test(said)) return resolve({ reason: "interface", error: `${said.replace(/^arping: /, "")} (interface ${spec.interface ?? "picked by route"})` });
      resolve({ reason: "unreachable", error: `arping ${address} failed: ${said || error?.message || "no output"}` });
    });
  });
}

/** IPv4 addresses of this machine's interfaces: a listed host that is this machine is looked at directly. */
function localAddresses(): Set<string> {
  return new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((entry) => entry.family === "IPv4").map((entry) => entry.address)));
}

const joinNames = (names: string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

export const vrrp = defineProbe({
  kind: "vrrp",
  schema: vrrpSchema,
  describe: (spec) => `vrrp ${spec.address}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `vrrp ${spec.address}`;
    // Listen for replies for up to 2 s (arping's deadline is whole seconds), leaving a second of the timeout to spare.
    const windowS = Math.max(1, Math.min(2, Math.floor(ctx.timeoutMs / 1000) - 1));
    const local = localAddresses();
    const remote = spec.hosts.filter((host) => !local.has(host.address));
    const work = Promise.all([
      arping(spec, spec.address, ["-c", "99", "-w", String(windowS)], ctx.signal),
      ...remote.map((host) => arping(spec, host.address, ["-c", "1", "-w", String(windowS)], ctx.signal)),
    ]);
    const asked = await raceAbort(ctx.signal, work, () => undefined);
    const latencyMs = elapsed();
    if (asked === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    const [vip, ...hostReplies] = asked as [Asked, ...Asked[]];
    if ("error" in vip) return failed(vip.reason, `${target} was not asked: ${vip.error}.`, latencyMs);
    // Each remote host's MACs, from the replies for its own address (two when it answers on two interfaces).
    const nameOf = new Map<string, string>();
    const silent: string[] = [];
    remote.forEach((host, index) => {
      const reply = hostReplies[index]!;
      const macs = "error" in reply ? [] : reply.replies;
      if (macs.length === 0) silent.push(host.name);
      for (const mac of macs) if (!nameOf.has(mac)) nameOf.set(mac, host.name);
    });
    const macs = [...new Set(vip.replies)];
    const unknown = macs.filter((mac) => !nameOf.has(mac)).map((mac) => `an unknown machine (MAC ${mac})`);
    const holders = [...new Set(macs.flatMap((mac) => nameOf.get(mac) ?? []))];
    // This machine does not answer its own ARP: when the address is its own, it holds it.
    if (local.has(spec.address)) holders.push(spec.hosts.find((host) => local.has(host.address))?.name ?? "this machine (the watching host)");
    // Replies per request: 2 with a single MAC is a virtual MAC (keepalived's use_vmac) held by 2 hosts.
    const perRequest = vip.sent === 0 ? 0 : Math.round(vip.replies.length / vip.sent);
    // In the order the config lists the hosts (ARP replies come in any order).
    const listed = (name: string) => { const at = spec.hosts.findIndex((host) => host.name === name); return at < 0 ? spec.hosts.length : at; };
    const all = [...holders.sort((a, b) => listed(a) - listed(b)), ...unknown];
    const details = {
      holders: all,
      macs,
      arp_requests: vip.sent,
      arp_replies: vip.replies.length,
      host_macs: Object.fromEntries([...nameOf].map(([mac, name]) => [mac, name])),
      ...(silent.length > 0 ? { hosts_not_answering: silent } : {}),
    };
    const silentNote = silent.length === 0 ? "" : `; ${joinNames(silent)} did not answer ARP for ${silent.length === 1 ? "its" : "their"} own address`;
    if (all.length === 0) {
      return failed("none", `${target} is held by no host: nothing answered ARP for it within ${windowS} s${silentNote}.`, latencyMs, details);
    }
    if (all.length > 1 || perRequest > 1) {
      const count = Math.max(all.length, perRequest);
      return failed("split_brain", `${target} is held by ${count} hosts: ${joinNames(all)} (split brain: each took the address)${silentNote}.`, latencyMs, details);
    }
    const holder = all[0]!;
    if (unknown.length > 0) {
      return failed("unknown_holder", `${target} is held by ${holder}, which is none of ${joinNames(spec.hosts.map((host) => host.name))}${silentNote}.`, latencyMs, details);
    }
    if (spec.expect_holder !== undefined && holder !== spec.expect_holder) {
      return failed("holder", `${target} is held by ${holder}, expected ${spec.expect_holder}.`, latencyMs, details);
    }
    return passed(`${target} is held by ${holder}, and only by it.`, latencyMs, details);
  },
});
