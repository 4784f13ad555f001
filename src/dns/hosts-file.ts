// The hosts-file kind: a hosts file that a DNS server serves (dnsmasq `addn-hosts`, AdGuard Home's
// rewrites kept as a hosts file), then an optional reload command. Understudy changes only the lines
// it marks with "# understudy", one name per line, and replaces the file atomically (temp file,
// fsync, rename) so the server never reads half a file. Read back from the file, or with a DNS query
// to the server (`dns_server`), which also proves the reload took effect.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { isAbsolute } from "node:path";
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { writeFileAtomic } from "../fs/atomic-file.js";
import { hostPortString } from "../probes/host-port.js";
import { readByQuery } from "./dns-read.js";
import { defineDnsProvider, failure } from "./provider.js";
import type { DnsFailure, RecordType } from "./provider.js";
import { normaliseValue } from "./record-values.js";
import { verifiedProvider } from "./verified-write.js";

const MARKER = "# understudy";

export const hostsFileSchema = z
  .strictObject({
    path: z.string().refine(isAbsolute, { message: "an absolute path, e.g. /etc/dnsmasq.hosts" }).describe("The hosts file the DNS server reads, e.g. dnsmasq's addn-hosts file."),
    reload: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Command run after the file changed, as argv (no shell): ["systemctl", "reload", "dnsmasq"] or ["pkill", "-HUP", "dnsmasq"].'),
    dns_server: hostPortString(53).optional().describe("Read back with a DNS query to the server that serves the file (proves the reload worked), e.g. 127.0.0.1:53."),
    served_ttl: z.number().int().min(0).default(0).describe("The TTL the server gives these answers (dnsmasq's local-ttl, 0 by default): hosts files have none of their own."),
  })
  .describe("A hosts file served by dnsmasq or AdGuard Home: { path, reload, dns_server, served_ttl }.");

interface HostsLine {
  address: string;
  names: string[];
  managed: boolean;
}

function parseLine(line: string): HostsLine | undefined {
  const managed = line.trimEnd().endsWith(MARKER);
  const [address, ...names] = line.replace(/#.*$/, "").trim().split(/\s+/);
  if (address === undefined || address === "" || names.length === 0) return undefined;
  return { address, names: names.map((name) => name.toLowerCase().replace(/\.$/, "")), managed };
}

const fits = (type: RecordType, address: string) => (type === "A" ? isIPv4(address) : isIPv6(address));

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}

/** Replaces `path` atomically (the old file or the new one, never a mix), keeping its mode. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const mode = await stat(path).then((info) => info.mode & 0o777, () => 0o644);
  await writeFileAtomic(path, text, mode);
}

function runReload(argv: string[], signal: AbortSignal): Promise<{ ok: true } | DnsFailure> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(command, args, { signal, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error === null) return resolve({ ok: true });
      const detail = String(stderr).trim().split("\n").slice(-2).join(" ").slice(0, 200) || error.message;
      resolve(failure("reload", `the hosts file was written but the reload command ${argv.join(" ")} failed: ${detail}`));
    });
  });
}

export const hostsFile = defineDnsProvider({
  kind: "hosts-file",
  schema: hostsFileSchema,
  create(spec, ctx) {
    const describe = () => `hosts-file ${spec.path}`;
    return verifiedProvider(ctx, () => ({
      describe,
      setsTtl: false,
      async read(name, type, signal) {
        if (type !== "A" && type !== "AAAA") return failure("unsupported", `a hosts file holds only A and AAAA records, not ${type}`);
        if (spec.dns_server !== undefined) return readByQuery(spec.dns_server, name, type, signal);
        const lines = (await readText(spec.path)).split("\n").map(parseLine);
        const values = lines.filter((line) => line !== undefined && line.names.includes(name) && fits(type, line.address)).map((line) => line!.address);
        return { ok: true, name, type, values, ttl: values.length === 0 ? undefined : spec.served_ttl };
      },
      async apply(name, type, values, _ttl, signal) {
        if (type !== "A" && type !== "AAAA") return failure("unsupported", `a hosts file holds only A and AAAA records, not ${type}`);
        const lines = (await readText(spec.path)).split("\n");
        const clash = lines.findIndex((text) => {
          const line = parseLine(text);
          return line !== undefined && !line.managed && line.names.includes(name) && fits(type, line.address);
        });
        if (clash !== -1) return failure("rejected", `line ${clash + 1} of ${spec.path} names ${name} without the "${MARKER}" mark, so it would still be served; remove it, or end it with "${MARKER}" to hand it over`);
        const kept = lines.filter((text) => {
          const line = parseLine(text);
          return !(line !== undefined && line.managed && line.names.includes(name) && fits(type, line.address));
        });
        while (kept.length > 0 && kept[kept.length - 1] === "") kept.pop();
        const added = values.map((value) => `${normaliseValue(type, value)} ${name} ${MARKER}`);
        await writeAtomically(spec.path, [...kept, ...added, ""].join("\n"));
        return spec.reload === undefined ? { ok: true } : runReload(spec.reload, signal);
      },
    }));
  },
});
