// One service's runbook page: where it runs, what breaks when it fails, how Understudy notices, what it
// does on its own, the exact steps by hand, the last drill, and what would remove the SPOF.
import { formatDuration } from "../config/duration.js";
import { label } from "../analysis/report.js";
import { hostsOf } from "../model/topology.js";
import type { Block, Runbook, Section } from "./document.js";
import { list, steps, text } from "./document.js";
import type { RunbookContext } from "./context.js";
import { serviceDoc, serviceFailure } from "./context.js";
import { impactBlocks } from "./impact.js";
import { serviceDetection } from "./detect.js";
import { automationBlocks } from "./automation.js";
import { failoverSections } from "./failover-steps.js";
import { recoveryIntro, recoverySteps } from "./recovery-steps.js";
import { wholeRestoreReasons } from "./restore-steps.js";
import { drillBlocks } from "./drill.js";
import { spofFixBlocks } from "./spof-fix.js";
import { hostPage, link, servicePage } from "./links.js";

function placementText(context: RunbookContext, name: string): string {
  const placement = context.topology.services.get(name)!.placement;
  const host = (h: string) => link(h, hostPage(h));
  if (placement.kind === "logical") return "No host of its own (a logical service).";
  if (placement.kind === "replicas") {
    return placement.hosts.length === 1 ? `Runs on ${host(placement.hosts[0]!)} only.` : `Replicas on ${placement.hosts.map(host).join(", ")}: any one serves.`;
  }
  return placement.standby.length === 0
    ? `Primary ${host(placement.primary)}; no standby.`
    : `Primary ${host(placement.primary)}; standby ${placement.standby.map(host).join(", ")} (in order).`;
}

function whereBlocks(context: RunbookContext, name: string): Block[] {
  const service = context.topology.services.get(name)!;
  const doc = serviceDoc(context, name);
  const blocks: Block[] = [text(placementText(context, name))];
  if (doc.description) blocks.push(text(doc.description));
  if (service.needs.length > 0) {
    blocks.push(text("Needs:"), list(service.needs.map((need) => {
      const names = need.anyOf.map((dep) => link(label(context.topology, dep), servicePage(dep))).join(" or ");
      return need.mode === "degrades" ? `${names} (keeps working ${need.afterMs === undefined ? "a while" : formatDuration(need.afterMs)} without it)` : names;
    })));
  }
  if (doc.data.length > 0) {
    blocks.push(text("Data that must travel with it:"), list(doc.data.map((item) => ("sqlite" in item ? `\`${item.sqlite}\` (SQLite)` : "path" in item ? `\`${item.path}\`` : `dump: \`${item.command.join(" ")}\``))));
  }
  if (doc.backup) blocks.push(text(`Backups: to ${doc.backup.to.join(", ")} on schedule \`${doc.backup.schedule}\`${doc.backup.max_age === undefined ? "" : `; alert when the newest is older than ${formatDuration(doc.backup.max_age)}`}.`));
  else if (doc.data.length > 0) blocks.push(text(`Backups: **none configured** — Understudy keeps no snapshot of ${name}.`));
  if (doc.replicate) blocks.push(text(`Replicated every ${formatDuration(doc.replicate.every)} to ${doc.replicate.to === "standby" ? "the standby" : doc.replicate.to.join(", ")}.`));
  return blocks;
}

function whatToDo(context: RunbookContext, name: string): Section[] {
  const service = context.topology.services.get(name)!;
  const placement = service.placement;
  const reasons = wholeRestoreReasons(serviceDoc(context, name).data);
  const why: Block[] = reasons.length > 0 ? [text("Why the data goes back whole:"), list(reasons)] : [];
  if (placement.kind === "failover" && placement.standby.length > 0) {
    const [to, ...others] = placement.standby;
    const lead = others.length > 0 ? [text(`If ${to} cannot serve, use the next standby instead (${others.join(", ")}): the same steps with \`--to\` changed.`)] : [];
    const sections = failoverSections(context, name, placement.primary, to!, lead);
    sections.push({ heading: `If no standby can serve: bring ${name} back`, blocks: [text(`If ${placement.standby.join(" and ")} cannot serve either, bring ${name} back on ${placement.primary} or a new host${serviceDoc(context, name).data.length > 0 ? ", with its data" : ""}.`), ...why, steps(recoverySteps(context, name, placement.primary))] });
    return sections;
  }
  const hosts = hostsOf(placement);
  const intro = placement.kind === "replicas" && hosts.length > 1
    ? text(`The other replicas keep serving; bring the dead one back on its host. ${recoveryIntro(context, name)}`)
    : text(recoveryIntro(context, name));
  const host = placement.kind === "replicas" && hosts.length > 1 ? "its host" : hosts[0];
  return [{ heading: `What to do: bring ${name} back`, blocks: [intro, ...why, steps(recoverySteps(context, name, host))] }];
}

export function serviceRunbook(context: RunbookContext, name: string): Runbook {
  const service = context.topology.services.get(name)!;
  const report = serviceFailure(context, name);
  const isSpof = context.analysis.spofs.some((spof) => spof.kind === "service" && spof.component === name);
  const sections: Section[] = [
    { heading: "Where it runs", blocks: whereBlocks(context, name) },
    { heading: `What breaks when ${name} fails`, blocks: impactBlocks(context, report) },
    { heading: "How Understudy notices", blocks: serviceDetection(context, name) },
    { heading: "What Understudy does on its own", blocks: automationBlocks(context, name) },
    ...whatToDo(context, name),
  ];
  if (service.placement.kind === "failover" && service.placement.standby.length > 0) sections.push({ heading: "Last drill", blocks: drillBlocks(context, name) });
  if (isSpof) sections.push({ heading: "To remove this SPOF", blocks: spofFixBlocks(context, name) });
  const role = label(context.topology, name);
  return {
    slug: servicePage(name),
    title: `Service ${name}${role === name ? "" : ` — ${role.replace(` (${name})`, "")}`}`,
    summary: `Criticality ${service.criticality}${isSpof ? ", a single point of failure" : ""}. When it fails: ${report.reason}.`,
    sections,
  };
}
