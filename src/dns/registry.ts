// The explicit list of DNS provider kinds: the config schema takes each kind's key and schema from
// here, and the failover step finds a provider's factory here. Nothing else switches on the kind.
import type { DnsProviderKind } from "./provider.js";
import { rfc2136 } from "./rfc2136.js";
import { powerdns } from "./powerdns.js";
import { cloudflare } from "./cloudflare.js";
import { hostsFile } from "./hosts-file.js";
import { dnsWebhook } from "./webhook.js";

export const dnsProviderKinds = [rfc2136, powerdns, cloudflare, hostsFile, dnsWebhook] as const;

const byKind = new Map<string, DnsProviderKind>(dnsProviderKinds.map((kind) => [kind.kind, kind as unknown as DnsProviderKind]));

export function findDnsProviderKind(kind: string): DnsProviderKind | undefined {
  return byKind.get(kind);
}
