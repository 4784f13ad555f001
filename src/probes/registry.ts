// The explicit list of probe kinds: the config schema takes each kind's key and schema from here, and
// the scheduler finds a check's runner here. Nothing else switches on the kind.
import type { ProbeKind } from "./probe.js";
import { http } from "./http.js";
import { tcp } from "./tcp.js";
import { dns } from "./dns.js";
import { tls } from "./tls.js";
import { ping } from "./ping.js";
import { command } from "./command.js";
import { ssh } from "./ssh.js";
import { mount } from "./mount.js";
import { push } from "./push.js";
import { headscale } from "./headscale.js";
import { restic } from "./restic.js";
import { cloudflared } from "./cloudflared.js";
import { litefs } from "./litefs.js";
import { dhcp } from "./dhcp.js";
import { vrrp } from "./vrrp.js";

export const probeKinds = [http, tcp, dns, tls, ping, command, ssh, mount, push, headscale, restic, cloudflared, litefs, dhcp, vrrp] as const;

const byKind = new Map<string, ProbeKind>(probeKinds.map((kind) => [kind.kind, kind as ProbeKind]));

export function findProbeKind(kind: string): ProbeKind | undefined {
  return byKind.get(kind);
}
