// The Host header check, in front of every route, dashboard on or off. A web page anywhere can point a
// name it owns at 127.0.0.1 (DNS rebinding) and then read this agent's answers as its own origin: the
// only trace is the Host header, which carries the page's name. So the agent answers only to names it
// was given: the host of agents.listen, agents.host_names (a reverse proxy's public name, the name
// Prometheus scrapes), loopback names (localhost, *.localhost), and IP addresses (an IP literal
// involves no DNS, so it cannot be rebound). Anything else gets 421 and a sentence saying what to add.
// /push/:token (and Uptime Kuma's /api/push/:token) is exempt: scripts on other machines call it by
// whatever name, and it answers only to a secret token, so a page learns nothing from it.
import { isIP } from "node:net";
import type { MiddlewareHandler } from "hono";
import type { ApiEnv } from "./env.js";
import { sendText } from "./respond.js";

export interface HostNames {
  /** agents.listen, e.g. "0.0.0.0:8470" or "agent.lan:8470". */
  listen?: string;
  /** agents.host_names. */
  names?: readonly string[];
}

/** "Agent.LAN.:8470" → "agent.lan"; "[::1]:80" → "::1"; undefined when it is not a host[:port]. */
export function hostName(header: string): string | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s/]*))(?::(\d{1,5}))?$/.exec(header.trim());
  if (!match) return undefined;
  const name = (match[1] ?? match[2] ?? "").toLowerCase().replace(/\.$/, "");
  return name === "" ? undefined : name;
}

function listenName(listen: string | undefined): string | undefined {
  if (listen === undefined) return undefined;
  return hostName(/:\d{1,5}$/.test(listen) ? listen : `${listen}:0`);
}

/** Whether a request with this Host header may be answered. No header (HTTP/1.0): yes, no browser sends that. */
export function hostAllowed(header: string | undefined, names: HostNames): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  if (name === undefined) return false;
  if (isIP(name) !== 0 || name === "localhost" || name.endsWith(".localhost")) return true;
  if (name === listenName(names.listen)) return true;
  return (names.names ?? []).some((allowed) => hostName(allowed) === name);
}

function refusal(header: string): string {
  const shown = JSON.stringify(header.slice(0, 100));
  return `421 Misdirected Request: this agent does not answer to the host name ${shown}.
It answers to the host of agents.listen, to localhost and to IP addresses; a page on another name
could otherwise read it by DNS rebinding. If ${shown} is a name of this agent (a reverse proxy's, or
the one Prometheus scrapes), add it to agents.host_names in the config.
`;
}

export function hostCheck(names: () => HostNames): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header("host");
    if (hostAllowed(header, names()) || c.req.path.startsWith("/push/") || c.req.path.startsWith("/api/push/")) return next();
    c.header("x-content-type-options", "nosniff");
    return sendText(c, refusal(header ?? ""), 421);
  };
}
