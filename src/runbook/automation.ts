// "What Understudy does on its own" for one service: fail over automatically (and the steps it takes
// and the guards that may stop it), or, in manual mode, alert with the one command to run; for
// replicas nothing needs moving; without a standby it can only alert.
import { formatDuration } from "../config/duration.js";
import { failoverSettings } from "../failover/config.js";
import type { Block } from "./document.js";
import { list, text } from "./document.js";
import type { RunbookContext } from "./context.js";
import { serviceDoc } from "./context.js";
import { link, servicePage } from "./links.js";

export function automationBlocks(context: RunbookContext, name: string): Block[] {
  const service = context.topology.services.get(name)!;
  const placement = service.placement;
  if (placement.kind === "logical") {
    const needs = service.needs.flatMap((need) => need.anyOf.map((dep) => link(dep, servicePage(dep))));
    return [text(`Nothing of its own: ${name} has no host. What Understudy does for what it needs is on their pages: ${needs.join(", ")}.`)];
  }
  if (placement.kind === "replicas") {
    return placement.hosts.length > 1
      ? [text(`Nothing needs moving: ${name} runs on ${placement.hosts.join(", ")} and any one of them serves. Understudy alerts when one is down.`)]
      : [text(`Only alerts: ${name} runs on ${placement.hosts[0]} alone and nothing can take over.`)];
  }
  const [standby] = placement.standby;
  if (standby === undefined) return [text(`Only alerts: ${name} has no standby, so there is nothing to fail over to.`)];

  const settings = failoverSettings(serviceDoc(context, name).failover);
  const command = `understudy failover ${name} --to ${standby}`;
  if (settings.mode === "manual") {
    return [text(`Only alerts (failover mode: manual). The alert carries the command to run, \`${command}\`; the steps below say when and how.`)];
  }
  const steps = [
    settings.fence ? `fences ${placement.primary} (${settings.fence.required ? "required: no promote unless it succeeds" : "best effort"})` : `no fence is configured for ${placement.primary}`,
    settings.promote ? `promotes ${standby}` : `${standby} serves as it is (no promote action: a hot standby)`,
    `verifies ${standby} with ${name}'s own checks`,
    settings.dns ? `points ${settings.dns.map((dns) => `${dns.name} ${dns.type}`).join(", ")} at ${standby}` : "switches no DNS record (no `dns:` block)",
    "notifies",
  ];
  const guards = [
    `not within ${formatDuration(settings.min_interval)} of the previous failover, and at most ${settings.max_per_hour} an hour (anti-flap)`,
    settings.force_stale_replica ? "promotes even a stale replica (force_stale_replica: true)" : `not to a standby whose replica is older than the RPO${service.target.rpoMs === undefined ? "" : ` (${formatDuration(service.target.rpoMs)})`} or of unknown age`,
    ...(settings.self_fence_after > 0 ? [`not before ${formatDuration(settings.self_fence_after)} have passed since ${placement.primary} was last seen up`] : []),
  ];
  return [
    text(`Fails over automatically to ${standby} when the checks on ${placement.primary} agree it is down. In order, it:`),
    list(steps),
    text("It refuses (and alerts instead) when a guard says no:"),
    list(guards),
    text("If the alert says the failover stopped or was refused, do the steps below by hand."),
  ];
}
