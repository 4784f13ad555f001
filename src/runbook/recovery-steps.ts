// The way back for a service that nothing can take over from: its declared recovery strategy and RTO,
// a host to run it on, its data restored (./restore-steps.ts), the unit started and checked.
import { formatDuration } from "../config/duration.js";
import type { Step } from "./document.js";
import type { RunbookContext } from "./context.js";
import { restoreSteps } from "./restore-steps.js";
import { strategyText } from "./impact.js";
import { quote } from "./shell.js";
import { link, servicePage } from "./links.js";

export function recoveryIntro(context: RunbookContext, service: string): string {
  const s = context.topology.services.get(service)!;
  const rto = s.recovery ? `, about ${formatDuration(s.recovery.rtoMs)} today` : "";
  const target = s.target.rtoMs === undefined ? "" : ` (target ${formatDuration(s.target.rtoMs)})`;
  return s.recovery
    ? `${service}: ${strategyText(s.recovery.strategy)}${rto}${target}.`
    : `${service}: no recovery is declared in the config (\`recovery:\`), so the way back is not written down${target}.`;
}

export function hostStep(context: RunbookContext, service: string, host: string): Step {
  const h = context.topology.hosts.get(host);
  const where = h?.site ? ` (at ${h.site})` : "";
  return {
    do: `Get a host for ${service}: bring ${host}${where} back if you can (power-cycle it, or reboot it from the provider's console), or build a replacement from the same setup. A replacement has a new address: point clients (DNS, the mesh) at it.`,
    check: `you can log in to the host that will run ${service}.`,
  };
}

/** Steps to bring `service` back on `host` (or its replacement); `withHost: false` when a host page already said how to get the host back. */
export function recoverySteps(context: RunbookContext, service: string, host: string | undefined, withHost = true): Step[] {
  const s = context.topology.services.get(service)!;
  if (host === undefined) {
    const needs = s.needs.flatMap((need) => need.anyOf.map((dep) => link(dep, servicePage(dep))));
    return [{ do: `${service} has no host of its own: bring back what it needs (${needs.join(", ")}); it recovers with them.` }];
  }
  const checks = s.checks;
  const start: Step = {
    do: `Start ${service} on ${host} (or the replacement). The command assumes its systemd unit is called ${service}; use the real name if not.`,
    command: `systemctl start ${quote(service)}`,
    check: checks.length > 0 ? `\`understudy check ${service}\` passes (${checks.length} check${checks.length === 1 ? "" : "s"}).` : `${service} answers its users (no check watches it).`,
  };
  const data = restoreSteps(context, service, host);
  const rebuild: Step[] = s.recovery?.strategy === "rebuild"
    ? [{ do: `Rebuild ${service} there from its configuration (your NixOS/Ansible/compose setup).`, check: "the unit exists and its configuration is in place." }]
    : [];
  return [...(withHost ? [hostStep(context, service, host)] : []), ...rebuild, ...data, start];
}
