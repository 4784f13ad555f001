// Name resolution for probes, kept off libuv's thread pool. Node's default (dns.lookup, getaddrinfo) runs
// on that pool of four threads, which it shares with scrypt password hashing and asynchronous file I/O:
// 400 anonymous logins filled it, checks to host names queued behind the hashes and timed out, and a
// healthy primary was failed over (issue 15). This lookup asks the DNS servers through c-ares
// (dns.promises.Resolver), which runs on the event loop, and answers from /etc/hosts itself (c-ares' query
// functions do not read it), so no probe's verdict depends on what else the pool is doing.
//
// What it does as getaddrinfo with "hosts: files dns" does: /etc/hosts first; "localhost" and *.localhost
// are loopback (RFC 6761); the resolv.conf search list and ndots; both families unless one is asked for.
// What it does not: other NSS sources (mDNS .local names, LDAP, nss-myhostname). IPv4 addresses come
// before IPv6 ones, whatever the server's order, so a check connects the same way every run.
//
// Passed as `lookup` to net.connect, tls.connect, http(s).request and dgram.createSocket.
import { promises as dns } from "node:dns";
import type { LookupAddress, LookupOneOptions } from "node:dns";
import { isIP } from "node:net";
import type { LookupFunction } from "node:net";
import { normaliseHostName, parseHosts } from "./hosts-table.js";
import type { HostsTable } from "./hosts-table.js";
import { candidateNames, parseResolvConf } from "./resolv-conf.js";
import type { SearchRules } from "./resolv-conf.js";
import { watchedFile } from "./watched-file.js";

export interface ProbeLookupOptions {
  hostsPath?: string;
  resolvConfPath?: string;
  /** DNS servers ("127.0.0.1:5353") instead of resolv.conf's nameserver lines (its search list still applies): for tests. */
  servers?: string[];
  /** c-ares' first wait for an answer, doubled on each of `tries`. */
  timeoutMs?: number;
  tries?: number;
}

/** c-ares codes that mean the name has no address; the others mean no server gave a usable answer. */
const ABSENT = new Set(["ENOTFOUND", "ENODATA", "ENONAME", "EBADNAME"]);

type Family = 0 | 4 | 6;

function familyOf(options: unknown): Family {
  const family = typeof options === "number" ? options : (options as { family?: unknown } | undefined)?.family;
  return family === 4 || family === "IPv4" ? 4 : family === 6 || family === "IPv6" ? 6 : 0;
}

function lookupError(code: "ENOTFOUND" | "EAI_AGAIN", hostname: string, cause?: unknown): NodeJS.ErrnoException {
  const detail = code === "ENOTFOUND" ? "no such name" : `no DNS server answered${(cause as { code?: string } | undefined)?.code ? ` (${(cause as { code: string }).code})` : ""}`;
  return Object.assign(new Error(`lookup ${code} ${hostname}: ${detail}`, cause === undefined ? undefined : { cause }), { code, hostname, syscall: "getaddrinfo" });
}

function fromHosts(table: HostsTable, name: string, family: Family): LookupAddress[] {
  const entry = table.get(name);
  if (entry === undefined) return [];
  const v4 = family === 6 ? [] : entry.v4.map((address) => ({ address, family: 4 }));
  const v6 = family === 4 ? [] : entry.v6.map((address) => ({ address, family: 6 }));
  return [...v4, ...v6];
}

function loopback(name: string, family: Family): LookupAddress[] {
  if (name !== "localhost" && !name.endsWith(".localhost")) return [];
  return [...(family === 6 ? [] : [{ address: "127.0.0.1", family: 4 }]), ...(family === 4 ? [] : [{ address: "::1", family: 6 }])];
}

export function createProbeLookup(options: ProbeLookupOptions = {}): LookupFunction {
  const hosts = watchedFile(options.hostsPath ?? "/etc/hosts", parseHosts);
  let resolver: dns.Resolver | undefined;
  // A new resolv.conf (DHCP, a VPN coming up) gets a new resolver, which is how c-ares reads it again.
  const resolvConf = watchedFile<{ rules: SearchRules }>(options.resolvConfPath ?? "/etc/resolv.conf", (text) => {
    resolver = undefined;
    return { rules: parseResolvConf(text) };
  });
  const currentResolver = (): dns.Resolver => {
    resolvConf.current();
    if (resolver === undefined) {
      resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 1_500, tries: options.tries ?? 2 });
      if (options.servers) resolver.setServers(options.servers);
    }
    return resolver;
  };

  async function ask(name: string, family: Family): Promise<LookupAddress[]> {
    const active = currentResolver();
    const [v4, v6] = await Promise.allSettled([
      family === 6 ? Promise.resolve([]) : active.resolve4(name),
      family === 4 ? Promise.resolve([]) : active.resolve6(name),
    ]);
    const found = [
      ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 })) : []),
      ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 })) : []),
    ];
    if (found.length > 0) return found;
    const failures = [v4, v6].flatMap((settled) => (settled.status === "rejected" ? [settled.reason as NodeJS.ErrnoException] : []));
    const unanswered = failures.find((error) => !ABSENT.has(error.code ?? ""));
    if (unanswered !== undefined) throw lookupError("EAI_AGAIN", name, unanswered);
    return [];
  }

  async function resolve(hostname: string, family: Family): Promise<LookupAddress[]> {
    const literal = isIP(hostname);
    if (literal !== 0) return [{ address: hostname, family: literal }];
    const name = normaliseHostName(hostname);
    const listed = fromHosts(hosts.current(), name, family);
    if (listed.length > 0) return listed;
    const local = loopback(name, family);
    if (local.length > 0) return local;
    let unanswered: unknown;
    for (const candidate of candidateNames(hostname.toLowerCase(), resolvConf.current().rules)) {
      try {
        const found = await ask(candidate, family);
        if (found.length > 0) return found;
      } catch (error) {
        // A search domain whose servers fail is skipped, as glibc does; the failure is told if nothing answers.
        unanswered ??= error;
      }
    }
    throw unanswered ?? lookupError("ENOTFOUND", hostname);
  }

  return (hostname, options, callback) => {
    const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all === true;
    // The callback runs on its own tick, as dns.lookup's does: a throw inside it must not become a rejection here.
    resolve(hostname, familyOf(options)).then(
      (addresses) => {
        const first = addresses[0]!;
        process.nextTick(() => (all ? callback(null, addresses) : callback(null, first.address, first.family)));
      },
      (error: NodeJS.ErrnoException) => process.nextTick(() => callback(error, all ? [] : "", undefined)),
    );
  };
}

/** The lookup every probe passes to its connections. */
export const probeLookup: LookupFunction = createProbeLookup();

/** The same lookup typed for dgram.createSocket, which asks for one address of the socket's family. */
export const probeUdpLookup = (hostname: string, options: LookupOneOptions, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void =>
  probeLookup(hostname, { family: options.family ?? 0 }, (error, address, family) => callback(error, typeof address === "string" ? address : "", family ?? 0));
