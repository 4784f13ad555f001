// One host's runbook page: what runs there, what breaks when it dies, how Understudy notices, what it
// does on its own, then the work in order: move what can fail over, bring back what cannot (worst
// first), and what comes back by itself once those are back.
import { compareNames, label, WEIGHT } from "../analysis/report.js";
import { hostsOf } from "../model/topology.js";
import type { Block, Runbook, Section } from "./document.js";
import { list, steps, text } from "./document.js";
import type { RunbookContext } from "./context.js";
import { serviceDoc } from "./context.js";
import { impactBlocks } from "./impact.js";
import { hostDetection } from "./detect.js";
import { automationBlocks } from "./automation.js";
import { failoverSections } from "./failover-steps.js";
import { hostStep, recoveryIntro, recoverySteps } from "./recovery-steps.js";
import { wholeRestoreReasons } from "./restore-steps.js";
import { drillBlocks } from "./drill.js";
import { spofFixBlocks } from "./spof-fix.js";
import { hostPage, link, servicePage } from "./links.js";

const serviceLink = (name: string) => link(name, servicePage(name));

function roleHere(context: RunbookContext, service: string, host: string): string {
  const placement = context.topology.services.get(service)!.placement;
  if (placement.kind === "failover") return placement.primary === host ? "primary" : `standby ${placement.standby.indexOf(host) + 1}`;
  return placement.kind === "replicas" && placement.hosts.length > 1 ? `one of ${placement.hosts.length} replicas` : "only instance";
}

function runsHere(context: RunbookContext, host: string): Block[] {
  const names = context.topology.onHost.get(host) ?? [];
  if (names.length === 0) return [text("Nothing declared in the config runs here.")];
  return [{
    kind: "table",
    headers: ["Service", "What", "Here as", "Criticality"],
    rows: names.map((name) => [serviceLink(name), label(context.topology, name), roleHere(context, name, host), context.topology.services.get(name)!.criticality]),
  }];
}

function onItsOwn(context: RunbookContext, host: string): Block[] {
  const report = context.failures.get(`host:${host}`)!;
  if (report.fails_over.length === 0) return [text(`Only alerts: nothing on ${host} has a standby to fail over to.`)];
  return report.fails_over.flatMap((move) => [text(`**${move.service}:**`), ...automationBlocks(context, move.service)]);
}

/** What the others need first; among those ready, the most critical first, then by name. */
function bringBackOrder(context: RunbookContext, names: readonly string[]): string[] {
  const left = new Set(names);
  const order: string[] = [];
  const needsLeft = (name: string) => context.topology.services.get(name)!.needs.some((need) => need.anyOf.some((dep) => dep !== name && left.has(dep)));
  while (left.size > 0) {
    const ready = [...left].filter((name) => !needsLeft(name));
    const pick = (ready.length > 0 ? ready : [...left]).sort((a, b) => WEIGHT[context.topology.services.get(b)!.criticality] - WEIGHT[context.topology.services.get(a)!.criticality] || compareNames(a, b))[0]!;
    order.push(pick);
    left.delete(pick);
  }
  return order;
}

function todo(context: RunbookContext, host: string): Section[] {
  const report = context.failures.get(`host:${host}`)!;
  const sections: Section[] = [];
  for (const move of report.fails_over) {
    const placement = context.topology.services.get(move.service)!.placement;
    const from = placement.kind === "failover" ? placement.primary : host;
    sections.push(...failoverSections(context, move.service, from, move.to));
  }
  const roots = bringBackOrder(context, report.unavailable.filter((name) => hostsOf(context.topology.services.get(name)!.placement).includes(host)));
  if (roots.length > 0) {
    sections.push({ heading: `What to do: get ${host} back`, blocks: [
      text(`Nothing can take over ${roots.map(serviceLink).join(", ")}: ${roots.length === 1 ? "it comes" : "they come"} back with ${host} or a replacement.`),
      steps([hostStep(context, roots.length === 1 ? roots[0]! : "them", host)]),
    ] });
  }
  for (const name of roots) {
    const reasons = wholeRestoreReasons(serviceDoc(context, name).data);
    sections.push({ heading: `What to do: bring ${name} back`, blocks: [
      text(recoveryIntro(context, name)),
      ...(reasons.length > 0 ? [text("Why the data goes back whole:"), list(reasons)] : []),
      steps(recoverySteps(context, name, host, false)),
    ] });
  }
  const knockOn = report.unavailable.filter((name) => !roots.includes(name));
  if (knockOn.length > 0 || report.degraded.length > 0) {
    const blocks: Block[] = [];
    if (knockOn.length > 0) blocks.push(text("These come back by themselves once what they need is back; check them last:"), list(knockOn.map(serviceLink)));
    if (report.degraded.length > 0) blocks.push(text("These keep working for now; they are fine again once the above is back:"), list(report.degraded.map(serviceLink)));
    sections.push({ heading: "Then check", blocks });
  }
  if (sections.length === 0) sections.push({ heading: "What to do", blocks: [text(`Nothing is lost while ${host} is down. Bring it back when convenient.`)] });
  return sections;
}

export function hostRunbook(context: RunbookContext, host: string): Runbook {
  const h = context.topology.hosts.get(host)!;
  const report = context.failures.get(`host:${host}`)!;
  const description = context.doc.hosts[host]?.description;
  const isSpof = context.analysis.spofs.some((spof) => spof.kind === "host" && spof.component === host);
  const moves = report.fails_over.map((move) => move.service);
  const sections: Section[] = [
    { heading: "What runs here", blocks: runsHere(context, host) },
    { heading: `What breaks when ${host} dies`, blocks: impactBlocks(context, report) },
    { heading: "How Understudy notices", blocks: hostDetection(context, host) },
    { heading: "What Understudy does on its own", blocks: onItsOwn(context, host) },
    ...todo(context, host),
  ];
  if (moves.length > 0) sections.push({ heading: "Last drill", blocks: moves.flatMap((name) => [text(`**${name}:**`), ...drillBlocks(context, name)]) });
  if (isSpof) sections.push({ heading: "To remove this SPOF", blocks: spofFixBlocks(context, host) });
  return {
    slug: hostPage(host),
    title: `Host ${host}${description ? ` — ${description}` : ""}`,
    summary: `Address ${h.address}${h.site ? `, site ${h.site}` : ""}${h.public ? ", public" : ""}. Severity if it dies: ${report.severity}${isSpof ? " (a single point of failure)" : ""}. When it dies: ${report.reason}.`,
    sections,
  };
}
