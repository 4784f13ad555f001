// Runs a fence or promote action: over SSH on a host of the service (the ssh probe's client, with the
// host's pinned key), as a local command, or as a webhook. The probes already run commands and judge
// exit codes well, so the ssh and command kinds are run through them rather than copied.
import type { Topology } from "../model/topology.js";
import { command as commandProbe, commandSchema } from "../probes/command.js";
import type { ProbeContext } from "../probes/probe.js";
import { resolveValues } from "../probes/secret-value.js";
import { ssh as sshProbe, sshSchema } from "../probes/ssh.js";
import type { ActionConfig } from "./config.js";
import type { StepOutcome } from "./execute.js";
import { CONNECT_TIMEOUT_MS, unreachable } from "./reach.js";

export interface ActionTarget {
  service: string;
  from: string;
  to: string;
  step: string;
  /** The host an ssh action without `host:` runs on. */
  defaultHost: string;
}

export interface ActionEnv {
  topology(): Topology;
  secret(ref: string): Promise<string>;
  now(): number;
}

export async function runAction(action: ActionConfig, target: ActionTarget, env: ActionEnv, signal: AbortSignal, timeoutMs: number): Promise<StepOutcome> {
  const ctx: ProbeContext = { signal, timeoutMs, now: env.now, secret: env.secret };
  const variables = { UNDERSTUDY_SERVICE: target.service, UNDERSTUDY_FROM: target.from, UNDERSTUDY_TO: target.to, UNDERSTUDY_STEP: target.step };
  if (action.ssh) {
    const hostName = action.ssh.host ?? target.defaultHost;
    const host = env.topology().hosts.get(hostName);
    if (!host?.ssh?.private_key || !host.ssh.host_key) return { status: "failed", reason: "invalid", output: `hosts.${hostName}.ssh needs private_key and host_key` };
    const parsed = sshSchema.safeParse({ host: host.address, port: host.ssh.port, user: host.ssh.user, private_key: host.ssh.private_key, host_key: host.ssh.host_key, command: action.ssh.command });
    if (!parsed.success) return { status: "failed", reason: "invalid", output: `hosts.${hostName}.ssh: ${parsed.error.issues[0]?.message ?? "invalid"}` };
    const cut = await unreachable(host.address, host.ssh.port ?? 22, Math.min(host.ssh.connect_timeout ?? CONNECT_TIMEOUT_MS, timeoutMs), signal);
    if (cut !== undefined) return { status: "failed", reason: "unreachable", output: `${hostName} unreachable over SSH (${cut})` };
    return outcomeOf(await sshProbe.run(parsed.data, ctx));
  }
  if (action.command) {
    const spec = commandSchema.parse({ argv: action.command, env: variables });
    return outcomeOf(await commandProbe.run(spec, ctx));
  }
  if (action.webhook) {
    const { url, method, headers } = action.webhook;
    try {
      const resolved = await resolveValues(headers, ctx);
      const body = method === "GET" ? undefined : JSON.stringify({ service: target.service, from: target.from, to: target.to, step: target.step });
      const response = await fetch(url, { method, headers: { "content-type": "application/json", ...resolved }, ...(body === undefined ? {} : { body }), signal });
      const text = (await response.text()).slice(0, 500);
      return response.ok ? { status: "done", output: `${method} ${url}: ${response.status}` } : { status: "failed", reason: response.status === 401 || response.status === 403 ? "auth" : "status", output: `${method} ${url}: ${response.status} ${text}` };
    } catch (error) {
      return { status: "failed", reason: signal.aborted ? "timeout" : "unreachable", output: `${method} ${url}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  return { status: "skipped", output: "no action configured" };
}

function outcomeOf(result: { ok: boolean; reason?: string; message: string }): StepOutcome {
  return result.ok ? { status: "done", output: result.message } : { status: "failed", reason: result.reason ?? "error", output: result.message };
}
