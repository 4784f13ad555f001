// Which HostAccess reaches a host of the config. The rule, in order:
//   1. the host named as this agent's own (`agents.name`, which defaults to the machine's hostname,
//      or the `self` option) is local;
//   2. a host with an `ssh:` block holding `private_key` and `host_key` is reached over SSH at its
//      `address` (even when that address is this machine's: the block says how the host wants to be
//      reached);
//   3. a host without one whose `address` is a loopback address or one of this machine's interface
//      addresses is local;
//   4. anything else is a "config" failure naming the host and what its ssh block lacks.
import { networkInterfaces } from "node:os";
import type { ConfigDocument } from "../config/schema.js";
import { hostFailure, isHostFailure } from "./host-access.js";
import type { HostAccess, HostFailure } from "./host-access.js";
import { localHost } from "./local-host.js";
import { sshHost } from "./ssh-host.js";

export interface HostAccessOptions {
  env: NodeJS.ProcessEnv;
  /** The name of the host this agent runs on (default: `agents.name` of the config). */
  self?: string | undefined;
  connectTimeoutMs?: number | undefined;
  /** Where SSH transports keep their temporary key files (default the system temp folder). */
  scratchDir?: string | undefined;
}

function isLocalAddress(address: string): boolean {
  if (address === "localhost" || address === "::1" || address.startsWith("127.")) return true;
  return Object.values(networkInterfaces()).some((list) => (list ?? []).some((entry) => entry.address === address));
}

export function hostAccessFor(doc: ConfigDocument, hostName: string, options: HostAccessOptions): HostAccess | HostFailure {
  const host = doc.hosts[hostName];
  if (host === undefined) return hostFailure("config", `there is no host ${hostName} in the config's hosts`);
  if (hostName === (options.self ?? doc.agents.name)) return localHost(hostName);
  const ssh = host.ssh;
  if (ssh?.private_key !== undefined && ssh.host_key !== undefined) {
    return sshHost({
      host: hostName, address: host.address, port: ssh.port, user: ssh.user, privateKey: ssh.private_key,
      hostKey: ssh.host_key.replace(/=$/, ""), env: options.env,
      ...(options.connectTimeoutMs !== undefined || ssh.connect_timeout !== undefined ? { connectTimeoutMs: options.connectTimeoutMs ?? ssh.connect_timeout } : {}),
      ...(options.scratchDir !== undefined ? { scratchDir: options.scratchDir } : {}),
    });
  }
  if (ssh === undefined && isLocalAddress(host.address)) return localHost(hostName);
  const missing = ssh === undefined ? ["an ssh block"] : [ssh.private_key === undefined ? "ssh.private_key" : "", ssh.host_key === undefined ? "ssh.host_key" : ""].filter(Boolean);
  return hostFailure("config", `host ${hostName} (${host.address}) is not this agent's machine and has no usable SSH access: missing ${missing.join(" and ")}. ` +
    `Add hosts.${hostName}.ssh: { user: …, private_key: "file:/run/secrets/understudy-ssh", host_key: "SHA256:…" } (the fingerprint as \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` prints it on ${hostName}), ` +
    `or name this agent after it (agents.name: ${hostName}) if the agent runs there`);
}

/** Opens each host's access once and closes them all together (one replication or backup cycle). */
export class HostAccessPool {
  private readonly opened = new Map<string, HostAccess | HostFailure>();
  constructor(private readonly doc: ConfigDocument, private readonly options: HostAccessOptions) {}

  get(hostName: string): HostAccess | HostFailure {
    let access = this.opened.get(hostName);
    if (access === undefined) this.opened.set(hostName, (access = hostAccessFor(this.doc, hostName, this.options)));
    return access;
  }

  async close(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    await Promise.all(all.map((access) => (isHostFailure(access) ? undefined : access.close())));
  }
}
