// Typed access to a check's probe spec for the kinds the remedies read (the config's check type holds
// the probe keys only as a record built from the registry).
import type { CheckDocument } from "../config/schema.js";
import type { HttpSpec } from "../probes/http.js";
import type { TlsSpec } from "../probes/tls.js";
import type { DnsSpec } from "../probes/dns.js";
import type { MountSpec } from "../probes/mount.js";
import type { CloudflaredSpec } from "../probes/cloudflared.js";

interface Specs {
  http: HttpSpec;
  tls: TlsSpec;
  dns: DnsSpec;
  mount: MountSpec;
  cloudflared: CloudflaredSpec;
}

export function specOf<K extends keyof Specs>(check: CheckDocument, kind: K): Specs[K] | undefined {
  return (check as Record<string, unknown>)[kind] as Specs[K] | undefined;
}
