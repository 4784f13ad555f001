// The manual failover of one service, step by step: confirm, dry run, run `understudy failover`, and
// if that cannot finish, each step by hand with the commands from the config's failover block
// (fence, promote, verify, DNS). Commands are quoted for a shell; secrets are never printed.
import { failoverSettings, kindsOf, type ActionConfig, type DnsSwitchConfig } from "../failover/config.js";
import { dnsProviderKinds } from "../dns/registry.js";
import type { Block, Section, Step } from "./document.js";
import { steps, text } from "./document.js";
import type { RunbookContext } from "./context.js";
import { serviceDoc } from "./context.js";
import { quote, shellLine } from "./shell.js";
import { formatDuration } from "../config/duration.js";

const DNS_KINDS = dnsProviderKinds.map((kind) => kind.kind);

/** How to run an action by hand, as a command line, or undefined when it has no command form. */
function actionCommand(context: RunbookContext, action: ActionConfig, defaultHost: string, service: string, from: string, to: string): string {
  if (action.ssh) {
    const host = context.topology.hosts.get(action.ssh.host ?? defaultHost)!;
    const ssh = host.ssh;
    const port = ssh && ssh.port !== 22 ? `-p ${ssh.port} ` : "";
    return `ssh ${port}${quote(`${ssh?.user ?? "root"}@${host.address}`)} -- ${shellLine(action.ssh.command)}`;
  }
  if (action.command) return `UNDERSTUDY_SERVICE=${quote(service)} UNDERSTUDY_FROM=${quote(from)} UNDERSTUDY_TO=${quote(to)} ${shellLine(action.command)}`;
  const hook = action.webhook!;
  const body = JSON.stringify({ service, from, to, step: "manual" });
  const headers = Object.keys(hook.headers).length > 0 ? `  # add the headers from the config: ${Object.keys(hook.headers).join(", ")}` : "";
  return `curl -fsS -X ${hook.method} -H 'Content-Type: application/json' -d ${quote(body)} ${quote(hook.url)}${headers}`;
}

/** The provider and where it lives, without any secret: "cloudflare zone example.org". */
export function dnsProvider(dns: DnsSwitchConfig): string {
  const [kind] = kindsOf(dns, DNS_KINDS);
  const spec = (dns as Record<string, unknown>)[kind ?? ""] as Record<string, unknown> | undefined;
  const where = ["zone", "server", "api_url", "path"].filter((key) => typeof spec?.[key] === "string").map((key) => `${key} ${String(spec![key])}`);
  return [kind ?? "an unknown provider", ...where].join(" ");
}

function fenceSteps(context: RunbookContext, service: string, from: string, to: string): Step[] {
  const fence = failoverSettings(serviceDoc(context, service).failover).fence;
  const offline = `make sure ${from} cannot come back as ${service}'s primary: power it off at the provider (or pull its network), or disable the unit before it boots. Two primaries are worse than a longer outage.`;
  if (!fence) return [{ do: `No fence is configured. Before promoting, ${offline}` }];
  const step: Step = { do: `Fence ${from} (stop ${service} there).`, command: actionCommand(context, fence, from, service, from, to), check: `${service} no longer answers on ${from}.` };
  if (!fence.ssh) return [step];
  return [step, { do: `SSH fencing cannot fence a dead or unreachable host: the command never arrives. If ${from} is dead or you could not reach it, ${offline}` }];
}

function promoteStep(context: RunbookContext, service: string, from: string, to: string): Step {
  const doc = serviceDoc(context, service);
  const promote = failoverSettings(doc.failover).promote;
  if (promote) return { do: `Promote ${to}.`, command: actionCommand(context, promote, to, service, from, to), check: `${service} is running on ${to}.` };
  if (doc.replicate) return { do: `Start ${service} on ${to}: its replica is in place, the unit stays stopped until promoted (no promote action is configured).`, command: `ssh ${quote(context.topology.hosts.get(to)!.address)} -- systemctl start ${quote(service)}`, check: `systemctl is-active ${service} on ${to} says active.` };
  return { do: `Nothing to promote (no promote action: a hot standby). Make sure ${service} runs on ${to}.` };
}

function dnsStep(context: RunbookContext, service: string, to: string): Step {
  const records = failoverSettings(serviceDoc(context, service).failover).dns ?? [];
  const address = context.topology.hosts.get(to)!.address;
  const dns = records[0];
  if (!dns) return { do: `Point clients at ${to} (${address}). No \`dns:\` block is configured, so Understudy switches no record: do what clients use to find ${service} (a record, a floating IP, a proxy's upstream).` };
  const ttl = Math.max(...records.map((record) => record.ttl));
  return {
    do: `Switch DNS: ${records.map((record) => `at ${dnsProvider(record)}, set ${record.name} ${record.type} to ${address} with TTL ${record.ttl} s`).join("; ")}${records.length > 1 ? " (all of them: clients use every name)" : ""}. Resolvers keep the old answer up to ${ttl} s.`,
    command: records.map((record) => `dig +short ${quote(record.name)} ${record.type}`).join("; "),
    check: `the answer is ${address} (ask the provider's own nameserver with @server if a resolver still caches the old one).`,
  };
}

export interface FailoverSteps {
  /** Confirm, dry run, run `understudy failover`, check from a client. */
  readonly run: readonly Step[];
  /** The same steps by hand, for when the command stopped partway. */
  readonly byHand: readonly Step[];
}

/** The steps to move `service` from `from` to `to` when the primary is gone. */
export function failoverSteps(context: RunbookContext, service: string, from: string, to: string): FailoverSteps {
  const checks = context.topology.services.get(service)!.checks;
  const onStandby = checks.filter((check) => check.host === to);
  const command = `understudy failover ${service} --to ${to}`;
  const run: Step[] = [
    { do: `Confirm ${service} is down on ${from}, not just the path from one agent.`, command: "understudy status", check: `${service} shows down with an open incident; its checks on ${from} fail.` },
    { do: "Dry run the failover: it prints the plan and any guard that refuses it, and changes nothing.", command: `${command} --dry-run`, check: "the plan lists fence, check-replica, promote, verify, switch and notify, and no guard refuses. A refusal names its reason (a replica older than the RPO: what was written since is lost; anti-flap): `--force` overrides it, so decide that first." },
    { do: "Run it.", command, check: `it ends serving from ${to}. If it stopped partway, \`understudy history ${service}\` shows which steps finished: do the rest by hand (next section), then come back to the last step here.` },
    serviceDoc(context, service).data.length === 0
      ? { do: `Check ${service} from a client, then keep it on ${to} until ${from} is repaired. Fail back later, once ${from} is healthy again.`, command: `understudy failback ${service} --dry-run` }
      : {
        do: `Check ${service} from a client, then keep it on ${to} until ${from} is repaired. ${from} comes back fenced and catches up from ${to} (replication ships ${to}'s data to it); ` +
          `only then can it take ${service} back: a failback stops ${service} on ${to}, ships its last writes to ${from} (the sync step) and only then promotes ${from}, so nothing written on ${to} is lost. It refuses while ${from} has not caught up.`,
        command: `understudy failback ${service} --dry-run`,
        check: "the plan lists fence, sync, check-replica, promote, verify, switch and notify, and no guard refuses.",
      },
  ];
  const rpo = context.topology.services.get(service)!.target.rpoMs;
  const replica: Step[] = serviceDoc(context, service).data.length === 0 ? [] : [{
    do: `Check the replica on ${to} before promoting it: the dry run reported its age.${rpo === undefined ? "" : ` Older than the RPO (${formatDuration(rpo)}) means everything written since is lost: decide before going on.`}`,
  }];
  const byHand: Step[] = [
    ...fenceSteps(context, service, from, to),
    ...replica,
    promoteStep(context, service, from, to),
    onStandby.length > 0
      ? { do: `Verify ${to} with ${service}'s own checks.`, command: onStandby.map((check) => `understudy check ${quote(check.name)}`).join("\n"), check: "every check passes." }
      : { do: `Verify ${to} by hand: no check watches ${service} on ${to} (add one with \`on: ${to}\`).` },
    dnsStep(context, service, to),
  ];
  return { run, byHand };
}

/** The two sections of a failover: run the command, and the same by hand. */
export function failoverSections(context: RunbookContext, service: string, from: string, to: string, lead: readonly Block[] = []): Section[] {
  const { run, byHand } = failoverSteps(context, service, from, to);
  return [
    { heading: `What to do: move ${service} to ${to}`, blocks: [...lead, steps(run)] },
    { heading: `If \`understudy failover\` stopped partway: move ${service} by hand`, blocks: [text("Do only the steps it did not finish (its output says which)."), steps(byHand)] },
  ];
}
