// A stand-in for the agent's HTTP API, for the dashboard's browser tests: it serves a built web/dist and
// answers the routes of src/api/CONTRACT.md — sessions with an HttpOnly cookie and a CSRF token, roles,
// Server-Sent Events — from the seed's homelab (examples/homelab.yaml, with a standby for headscale so
// that something can fail over). The topology, analysis and plan come from the real pure code; health,
// incidents, failovers and backups are canned state that the demo routes change.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { loadConfig } from "../../../src/config/load.js";
import { buildTopology, hostsOf, type Topology } from "../../../src/model/topology.js";
import { analyze } from "../../../src/analysis/analyze.js";
import { buildPlan } from "../../../src/plan/plan.js";
import { toJson as analysisJson } from "../../../src/cli/analyze.js";
import { toJson as planJson } from "../../../src/cli/plan.js";

export const USERS = {
  operator: { name: "olive", password: "operator-password", role: "operator" },
  viewer: { name: "victor", password: "viewer-password", role: "viewer" },
} as const;

type Health = "up" | "degraded" | "down" | "unknown";
interface Session { name: string; role: string; csrf: string }
interface Incident { id: number; title: string; severity: string; root: { kind: string; name: string }; children: Array<{ kind: string; name: string }>; opened_at: string; resolved_at: string | null; silenced: boolean }

export interface WebFixture {
  url: string;
  /** Failovers started through the API or the demo, oldest first. */
  failovers: Array<{ service: string; to: string }>;
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
const PUBLIC_SERVICES = new Set(["forgejo", "jellyfin", "headscale", "nginx"]);
const HOUR = 3_600_000;

function homelab(): { topology: Topology; analysis: unknown; plan: unknown } {
  const loaded = loadConfig(join(import.meta.dirname, "../../../examples/homelab.yaml"));
  if (!loaded.ok) throw new Error(`examples/homelab.yaml does not load: ${loaded.diagnostics.map((d) => d.message).join("; ")}`);
  const doc = structuredClone(loaded.config);
  doc.services.headscale!.standby = ["O001"];
  const topology = buildTopology(doc);
  return { topology, analysis: analysisJson(analyze(topology)), plan: planJson(buildPlan(doc)) };
}

function series(window: string, now: number) {
  const [count, step] = window === "30d" ? [30, 24 * HOUR] : window === "7d" ? [28, 6 * HOUR] : [24, HOUR];
  return Array.from({ length: count }, (_, i) => ({
    t: new Date(now - (count - i) * step).toISOString(),
    uptime: i === Math.floor(count / 2) ? 0.9 : 1,
    p50_ms: i === 3 ? null : Math.round(40 + 15 * Math.sin(i / 2) + i),
  }));
}

export async function startWebFixture(distDir: string): Promise<WebFixture> {
  const { topology, analysis, plan } = homelab();
  const started = Date.now();
  const sessions = new Map<string, Session>();
  const health = new Map<string, Health>([...topology.services.keys()].map((name) => [name, name === "jellyfin" ? "degraded" : "up"]));
  const active = new Map<string, string>();
  /** Instances the demo killed ("service@host"): they stay down after the standby takes over. */
  const killed = new Set<string>();
  const streams = new Set<ServerResponse>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const failovers: unknown[] = [];
  const recorded: WebFixture["failovers"] = [];
  const incidents: Incident[] = [
    { id: 1, title: "H002 is down: nfs, jellyfin", severity: "normal", root: { kind: "host", name: "H002" }, children: [{ kind: "service", name: "nfs" }, { kind: "service", name: "jellyfin" }], opened_at: new Date(started - 30 * HOUR).toISOString(), resolved_at: new Date(started - 29 * HOUR).toISOString(), silenced: false },
  ];

  const activeHost = (name: string) => {
    const placement = topology.services.get(name)!.placement;
    return placement.kind === "failover" ? (active.get(name) ?? placement.primary) : null;
  };
  const topologyJson = () => ({
    hosts: [...topology.hosts.values()].map((host) => ({ name: host.name, site: host.site ?? null, public: host.public })),
    services: [...topology.services.values()].map((service) => ({
      name: service.name, role: service.role ?? null, criticality: service.criticality, placement: service.placement,
      needs: service.needs.map((need) => ({ any_of: need.anyOf, mode: need.mode, after_s: need.afterMs === undefined ? null : need.afterMs / 1000, via: need.via })),
      active_host: activeHost(service.name), health: health.get(service.name)!,
    })),
    spofs: (analysis as { spofs: Array<{ component: string }> }).spofs.map((spof) => spof.component),
  });
  const statusJson = () => ({
    source: "agent", agent: { name: "fixture", version: "0.0.0", started_at: new Date(started).toISOString(), uptime_s: Math.round((Date.now() - started) / 1000) },
    services: [...topology.services.values()].map((service) => ({
      name: service.name, criticality: service.criticality, health: health.get(service.name)!,
      instances: (service.placement.kind === "logical" ? ["*"] : hostsOf(service.placement)).map((host) => ({ host, state: killed.has(`${service.name}@${host}`) ? "down" : host === activeHost(service.name) || activeHost(service.name) === null ? health.get(service.name)! : "unknown" })),
      checks: service.checks.map((check, i) => ({ name: check.name, kind: check.kind, host: check.host ?? null, interval_s: check.intervalMs / 1000, last: i === 1 ? null : { at: new Date(Date.now() - 20_000).toISOString(), ok: health.get(service.name) !== "down", reason: health.get(service.name) === "down" ? "refused" : null, message: health.get(service.name) === "down" ? "connection refused" : "200 OK", latency_ms: 42 } })),
    })).sort((a, b) => a.name.localeCompare(b.name)),
    incidents: incidents.filter((incident) => incident.resolved_at === null),
  });
  const emit = (event: string, data: unknown) => {
    for (const stream of streams) stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const failoverPlan = (service: string, to: string) => ({
    service, kind: "failover", from: activeHost(service), to, reason: "asked from the dashboard", forced: false,
    steps: [["fence", `ssh root@${activeHost(service)}: systemctl stop ${service}`], ["check-replica", `replica on ${to} within the RPO`], ["promote", `ssh root@${to}: systemctl start ${service}`], ["verify", `${service}'s checks against ${to}`], ["switch", `DNS record for ${service} → ${to}`], ["notify", "ntfy"]].map(([name, description]) => ({ name, description, required: name !== "notify" && name !== "fence" })),
  });
  const failOver = (service: string, to: string, reason: string) => {
    const from = activeHost(service);
    let at = Date.now();
    const steps = failoverPlan(service, to).steps.map((step) => ({ step: step.name, attempt: 1, status: "done", started_at: new Date(at).toISOString(), finished_at: new Date((at += 150)).toISOString(), reason: null, output: step.name === "promote" ? `${service}.service started on ${to}` : null }));
    const run = { id: failovers.length + 1, service, kind: "failover", from, to, reason, status: "done", started_at: steps[0]!.started_at, finished_at: new Date(at).toISOString(), summary: `${service} now served by ${to}`, steps };
    active.set(service, to);
    health.set(service, "up");
    failovers.unshift(run);
    recorded.push({ service, to });
    emit("failover", run);
    emit("status", statusJson());
    return run;
  };
  const standbyOf = (service: string) => {
    const placement = topology.services.get(service)?.placement;
    return placement?.kind === "failover" ? [placement.primary, ...placement.standby].find((host) => host !== activeHost(service)) : undefined;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const readBody = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
    let text = "";
    for await (const chunk of req) text += String(chunk);
    return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  const sessionOf = (req: IncomingMessage) => {
    const token = /(?:^|;\s*)understudy_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
    return token === undefined ? undefined : sessions.get(token);
  };

  async function serveStatic(path: string, res: ServerResponse) {
    const file = normalize(join(distDir, path)).startsWith(distDir) && extname(path) !== "" ? join(distDir, path) : join(distDir, "index.html");
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) {
    const method = req.method ?? "GET";
    if (method === "POST" && path === "/api/login") {
      const body = await readBody(req);
      const user = Object.values(USERS).find((candidate) => candidate.name === body.name && candidate.password === body.password);
      if (!user) return send(res, 401, { error: "invalid name or password" });
      const token = randomBytes(16).toString("hex");
      const session = { name: user.name, role: user.role, csrf: randomBytes(16).toString("hex") };
      sessions.set(token, session);
      return send(res, 200, session, { "set-cookie": `understudy_session=${token}; HttpOnly; SameSite=Strict; Path=/` });
    }
    if (method === "GET" && path === "/api/public/status") {
      return send(res, 200, {
        services: [...topology.services.keys()].filter((name) => PUBLIC_SERVICES.has(name)).map((name) => ({ name, health: health.get(name)! })),
        incidents: incidents.filter((incident) => incident.children.some((child) => PUBLIC_SERVICES.has(child.name)) || PUBLIC_SERVICES.has(incident.root.name)).map((incident) => ({ title: `${[incident.root, ...incident.children].map((ref) => ref.name).filter((name) => PUBLIC_SERVICES.has(name)).join(", ")} unavailable`, opened_at: incident.opened_at, resolved_at: incident.resolved_at })),
      });
    }
    const session = sessionOf(req);
    if (!session) return send(res, 401, { error: "authentication required" });
    if (method !== "GET" && req.headers["x-csrf-token"] !== session.csrf) return send(res, 403, { error: "missing or wrong x-csrf-token" });
    if (method === "POST" && path === "/api/logout") {
      sessions.delete(/understudy_session=([^;]+)/.exec(req.headers.cookie ?? "")![1]!);
      return send(res, 204, undefined, { "set-cookie": "understudy_session=; Max-Age=0; Path=/" });
    }
    if (method !== "GET" && session.role !== "operator") return send(res, 403, { error: "operators only" });
    const named = (prefix: string) => (path.startsWith(prefix) ? decodeURIComponent(path.slice(prefix.length)) : undefined);

    if (method === "GET") {
      const uptimeOf = /^\/api\/services\/([^/]+)\/uptime$/.exec(path)?.[1];
      if (uptimeOf !== undefined) {
        const points = series(query.get("window") ?? "24h", Date.now());
        return send(res, 200, { service: decodeURIComponent(uptimeOf), window: query.get("window") ?? "24h", uptime: points.reduce((sum, p) => sum + p.uptime, 0) / points.length, latency: { p50_ms: 48, p99_ms: 180 }, series: points });
      }
      switch (path) {
        case "/api/session": return send(res, 200, session);
        case "/api/status": return send(res, 200, statusJson());
        case "/api/topology": return send(res, 200, topologyJson());
        case "/api/analysis": return send(res, 200, analysis);
        case "/api/plan": return send(res, 200, plan);
        case "/api/incidents": return send(res, 200, { incidents: [...incidents].reverse() });
        case "/api/failovers": return send(res, 200, { failovers });
        case "/api/drills": return send(res, 200, { drills: [] });
        case "/api/demo": return send(res, 200, { demo: true, services: ["headscale", "nginx"] });
        case "/api/backups": return send(res, 200, {
          snapshots: [0, 1, 2].map((i) => ({ id: `headscale-2025010${3 - i}T0400Z`, service: "headscale", host: "L001", created_at: new Date(started - (i * 24 + 2) * HOUR).toISOString(), bytes: 48_000_000 + i * 1_000_000, target: "nas" })),
          replicas: [{ service: "headscale", host: "O001", snapshot_id: "headscale-20250103T0400Z", data_time: new Date(started - 2 * HOUR).toISOString(), shipped_at: new Date(started - 2 * HOUR + 60_000).toISOString(), age_ms: 2 * HOUR, rpo_ms: 300_000 }],
        });
        case "/api/events": {
          res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
          res.write(`event: status\ndata: ${JSON.stringify(statusJson())}\n\n`);
          streams.add(res);
          req.on("close", () => streams.delete(res));
          return;
        }
      }
    }
    const failing = method === "POST" ? named("/api/failover/") : undefined;
    if (failing !== undefined) {
      const body = await readBody(req);
      const to = typeof body.to === "string" ? body.to : standbyOf(failing);
      if (!topology.services.has(failing)) return send(res, 404, { error: `no service named "${failing}"` });
      if (to === undefined) return send(res, 400, { error: `${failing} has no standby to fail over to` });
      if (body.dry_run === true) return send(res, 200, { dry_run: true, plan: failoverPlan(failing, to) });
      return send(res, 200, { dry_run: false, failover: failOver(failing, to, `asked by ${session.name}`) });
    }
    const victim = method === "POST" ? named("/api/demo/kill/") : undefined;
    if (victim !== undefined && topology.services.has(victim)) {
      const host = activeHost(victim) ?? hostsOf(topology.services.get(victim)!.placement)[0]!;
      health.set(victim, "down");
      killed.add(`${victim}@${host}`);
      const incident: Incident = { id: incidents.length + 1, title: `${victim} is down on ${host}`, severity: topology.services.get(victim)!.criticality, root: { kind: "service", name: victim }, children: (topology.neededBy.get(victim) ?? []).map((name) => ({ kind: "service", name })), opened_at: new Date().toISOString(), resolved_at: null, silenced: false };
      incidents.push(incident);
      emit("status", statusJson());
      emit("incident", { kind: "opened", incident });
      // The agent needs a moment to reach a verdict: the graph shows "down" before the standby takes over.
      const timer = setTimeout(() => {
        timers.delete(timer);
        const to = standbyOf(victim);
        if (to !== undefined) failOver(victim, to, `${victim} down on ${host}`);
        incident.resolved_at = new Date().toISOString();
        emit("incident", { kind: "resolved", incident });
      }, 1_500);
      timers.add(timer);
      return send(res, 200, { killed: victim, host });
    }
    return send(res, 404, { error: `no route ${method} ${path}` });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fixture");
    const handled = url.pathname.startsWith("/api/") ? api(req, res, url.pathname, url.searchParams) : serveStatic(url.pathname, res);
    handled.catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    failovers: recorded,
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
      for (const stream of streams) stream.end();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
