// `understudy import gatus`: maps a Gatus config (README "Configuration": endpoints, external-endpoints,
// alerting, maintenance) to a config. Pure: the caller parses the YAML. The URL picks the check:
// http(s) → http (+ tls for a certificate condition), tcp:// → tcp, icmp:// → ping, tls:// → tls, a
// `dns:` block → dns, ssh:// → tcp on its port (approximated: the ssh check needs a pinned host key).
// Disabled endpoints, and those that need a client certificate (mTLS), keep their checks commented out.
// Gatus' dashboard shows every endpoint unless `security` guards it: those services become public.
import { ConfigBuilder, slug, type HeldChecks, type ImportedConfig, type Json } from "./builder.js";
import { mapProvider, variableOf } from "./gatus-alerting.js";
import { readConditions, type EndpointKind, type Expectations } from "./gatus-conditions.js";
import type { ImportReport } from "./report.js";

interface Window {
  enabled?: boolean;
  start?: string;
  duration?: string;
  timezone?: string;
  every?: string[];
}

interface Endpoint {
  name?: string;
  group?: string;
  url?: string;
  method?: string;
  interval?: string;
  enabled?: boolean;
  conditions?: string[];
  dns?: { "query-name"?: string; "query-type"?: string };
  ssh?: { username?: string; password?: string; "private-key"?: string };
  client?: {
    insecure?: boolean; timeout?: string; "ignore-redirect"?: boolean; tunnel?: string; "proxy-url"?: string; "dns-resolver"?: string;
    oauth2?: unknown; "identity-aware-proxy"?: unknown; tls?: { "certificate-file"?: string; "private-key-file"?: string };
  };
  headers?: Record<string, string>;
  body?: string;
  graphql?: boolean;
  alerts?: { type?: string; enabled?: boolean; "failure-threshold"?: number; "success-threshold"?: number }[];
  "maintenance-windows"?: Window[];
  "extra-labels"?: Record<string, string>;
  ui?: unknown;
}

interface ExternalEndpoint {
  name?: string;
  group?: string;
  token?: string;
  enabled?: boolean;
  heartbeat?: { interval?: string };
}

export interface GatusConfig {
  endpoints?: Endpoint[];
  "external-endpoints"?: ExternalEndpoint[];
  alerting?: Record<string, Record<string, unknown> | null>;
  maintenance?: Window;
  security?: unknown;
  suites?: unknown[];
  announcements?: unknown[];
  [key: string]: unknown;
}

const SENSITIVE_HEADER = /auth|token|key|secret|cookie|session|password/i;
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
/** Settings of Gatus itself (its server, storage, UI): nothing to carry over into what is watched. */
const APP_KEYS = ["storage", "web", "ui", "metrics", "debug", "concurrency", "disable-monitoring-lock", "skip-invalid-config-update", "connectivity", "remote", "security"];

/** Gatus' Go durations ("1m", "30s", "1h0m0s", "500ms") are Understudy durations once the zero parts go. */
function duration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const cleaned = String(text).replace(/(?<=\d[hms])0(m|s)/g, "").replace(/(?<=\d[hm])0s/g, "");
  return /^(\d+(ms|s|m|h))+$/.test(cleaned) ? cleaned : undefined;
}

function label(endpoint: Endpoint): string {
  return `endpoint "${endpoint.group ? `${endpoint.group}/` : ""}${endpoint.name ?? "?"}"`;
}

interface Target { kind: EndpointKind; host: string; port?: number }

function targetOf(endpoint: Endpoint): Target | string {
  const url = endpoint.url ?? "";
  if (endpoint.dns) return { kind: "dns", host: url.replace(/^[a-z]+:\/\//, "") };
  if (/^https?:\/\//.test(url) && URL.canParse(url)) return { kind: "http", host: new URL(url).hostname };
  const scheme = /^([a-z]+):\/\//.exec(url)?.[1];
  const kinds: Record<string, EndpointKind> = { tcp: "tcp", icmp: "ping", tls: "tls", ssh: "ssh", starttls: "tcp" };
  if (scheme && kinds[scheme] && URL.canParse(url.replace(scheme, "http"))) {
    const parsed = new URL(url.replace(scheme, "http"));
    return { kind: kinds[scheme], host: parsed.hostname, port: parsed.port === "" ? (scheme === "ssh" ? 22 : undefined) : Number(parsed.port) };
  }
  return `Understudy has no check for ${scheme ? `${scheme}://` : url || "an endpoint without a URL"} endpoints`;
}

function headersOf(endpoint: Endpoint, out: ConfigBuilder): Json {
  const headers: Json = {};
  for (const [key, value] of Object.entries(endpoint.headers ?? {})) {
    headers[key] = SENSITIVE_HEADER.test(key) || variableOf(value) ? { secret: out.secret(`GATUS_${slug(endpoint.name ?? "")}_${key}`, `the ${key} header of ${label(endpoint)}`, variableOf(value)) } : String(value);
  }
  return headers;
}

function specOf(endpoint: Endpoint, target: Target, expect: Expectations, out: ConfigBuilder): unknown {
  const latency = expect.maxLatencyMs === undefined ? {} : { [target.kind === "ping" ? "max_rtt" : "max_latency"]: `${expect.maxLatencyMs}ms` };
  switch (target.kind) {
    case "http": {
      const method = (endpoint.method ?? "GET").toUpperCase();
      const headers = headersOf(endpoint, out);
      return {
        url: endpoint.url, ...(method !== "GET" ? { method } : {}), ...(expect.status !== undefined && expect.status !== "2xx" ? { status: expect.status } : {}),
        ...(expect.body ? { body: expect.body } : {}), ...(expect.json ? { json: expect.json } : {}), ...latency,
        ...(Object.keys(headers).length > 0 ? { headers } : {}),
        ...(endpoint.client?.insecure ? { tls_verify: false } : {}), ...(endpoint.client?.["ignore-redirect"] ? { follow_redirects: false } : {}),
      };
    }
    case "tls":
      // Gatus' tls:// checks the handshake; the certificate bound only when a condition asks for it.
      return { host: target.host, ...(target.port ? { port: target.port } : {}), min_days: expect.certificateDays ?? 0 };
    case "tcp":
    case "ssh":
      return { host: target.host, port: target.port, ...latency };
    case "ping":
      return Object.keys(latency).length > 0 ? { host: target.host, ...latency } : target.host;
    case "dns":
      return { server: target.host, name: endpoint.dns?.["query-name"], type: endpoint.dns?.["query-type"] ?? "A", ...(expect.rcode ? { rcode: expect.rcode } : {}), ...(expect.answers ? { answers: expect.answers } : {}), ...latency };
  }
}

function reportEndpointExtras(endpoint: Endpoint, target: Target, out: ConfigBuilder): void {
  const item = label(endpoint);
  const client = endpoint.client ?? {};
  if (endpoint.body && target.kind === "ssh") out.skip(`${item}: command (body)`, "running a command needs an ssh check with a private key and a pinned host key: add ssh: { host, user, private_key, host_key, command } by hand");
  else if (endpoint.body) out.skip(`${item}: request body${endpoint.graphql ? " (GraphQL)" : ""}`, `the ${target.kind} check sends no request body`);
  if (target.kind === "ssh") {
    out.approx(item, `only its port is checked (tcp ${target.port}); an ssh check needs a private key and a pinned host key (host_key) that Gatus does not hold${endpoint.ssh?.password ? ", and Understudy logs in with keys, not passwords" : ""}`);
  }
  if (/^starttls:/.test(endpoint.url ?? "")) out.approx(item, "checked as a TCP connection: the tls check speaks TLS from the start, not STARTTLS");
  for (const [key, what] of [["oauth2", "an OAuth2 client-credentials token"], ["identity-aware-proxy", "an Identity-Aware-Proxy token"], ["proxy-url", "a proxy"], ["tunnel", "an SSH tunnel"], ["dns-resolver", "its own DNS resolver"]] as const) {
    if (client[key]) out.skip(`${item}: client.${key}`, `the check cannot use ${what}; it connects directly with the system's resolver`);
  }
  if (endpoint["extra-labels"] && Object.keys(endpoint["extra-labels"]).length > 0) out.approx(`${item}: extra-labels`, "Understudy has no labels; they are in the service's description");
}

type Alerting = NonNullable<GatusConfig["alerting"]>;

function mapEndpoint(endpoint: Endpoint, out: ConfigBuilder, alertTypes: Set<string>, choices: Map<string, string[]>, alerting: Alerting): string | undefined {
  const item = label(endpoint);
  const target = targetOf(endpoint);
  if (typeof target === "string") return void out.skip(item, target);
  const expect = readConditions(endpoint.conditions ?? [], target.kind);
  for (const { condition, reason } of expect.unmapped) out.skip(`${item}: condition ${condition}`, reason);
  for (const { condition, how } of expect.approximated) out.approx(`${item}: condition ${condition}`, how);
  reportEndpointExtras(endpoint, target, out);

  const kind = target.kind === "ssh" ? "tcp" : target.kind;
  const alert = (endpoint.alerts ?? []).find((candidate) => candidate.enabled !== false);
  const keys: Json = {};
  const interval = duration(endpoint.interval ?? "60s");
  if (interval) keys.interval = interval;
  const timeout = duration(endpoint.client?.timeout);
  if (timeout) keys.timeout = timeout;
  // An alert's thresholds, else its provider's default-alert's, else Gatus' own (3 failures, 2 successes).
  if (alert) {
    const fallback = (alerting[alert.type ?? ""]?.["default-alert"] ?? {}) as { "failure-threshold"?: number; "success-threshold"?: number };
    Object.assign(keys, {
      failure_threshold: alert["failure-threshold"] ?? fallback["failure-threshold"] ?? 3,
      success_threshold: alert["success-threshold"] ?? fallback["success-threshold"] ?? 2,
    });
  }
  const checks = [out.check(item, kind, specOf(endpoint, target, expect, out), keys)];
  if (expect.certificateDays !== undefined && target.kind === "http") {
    const url = new URL(endpoint.url!);
    checks.push(out.check(`${item}: certificate`, "tls", { host: target.host, port: url.port ? Number(url.port) : 443, min_days: expect.certificateDays }, { interval: keys.interval ?? "60s" }));
  }
  const valid = checks.filter((check): check is Json => check !== undefined);
  if (valid.length === 0) return undefined;

  const mtls = endpoint.client?.tls?.["certificate-file"] || endpoint.client?.tls?.["private-key-file"];
  const held: HeldChecks | undefined = mtls
    ? { reason: "Gatus presents a client certificate (mTLS) here; Understudy's http check cannot, so the check would fail the handshake and is not run.", checks: valid }
    : endpoint.enabled === false ? { reason: "Disabled in Gatus (enabled: false): imported disabled.", checks: valid } : undefined;
  const labels = Object.entries(endpoint["extra-labels"] ?? {}).map(([key, value]) => `${key}=${value}`);
  const description = [endpoint.group ? `Gatus group ${endpoint.group}` : undefined, labels.length > 0 ? `labels: ${labels.join(", ")}` : undefined].filter(Boolean).join("; ");
  const name = out.service(endpoint.name ?? kind, [out.host(target.host)], held ? [] : valid, description ? { description } : {}, held);
  if (mtls) out.skip(`${item}: client certificate (client.tls)`, `the http check has no client certificate; service ${name}'s check is kept commented out`);
  out.mapped(item, `service ${name}: ${valid.map((check) => Object.keys(check).find((key) => !["interval", "timeout", "failure_threshold", "success_threshold"].includes(key))).join(" + ")} check${endpoint.enabled === false ? ", disabled (commented out) as in Gatus" : ""}`);
  const types = new Set((endpoint.alerts ?? []).filter((a) => a.enabled !== false).map((a) => a.type ?? ""));
  if (alertTypes.size > 0 && [...alertTypes].some((type) => !types.has(type))) {
    const key = types.size > 0 ? [...types].join(", ") : "none";
    choices.set(key, [...(choices.get(key) ?? []), `"${endpoint.name ?? "?"}"`]);
  }
  for (const window of endpoint["maintenance-windows"] ?? []) mapWindow(window, `${item}: maintenance window`, out, [name]);
  return name;
}

/** A Gatus maintenance window ({ start: "23:00", duration, timezone, every: [Monday] }) as a cron window. */
function mapWindow(window: Window, item: string, out: ConfigBuilder, services: string[]): void {
  if (window.enabled === false) return out.mapped(item, "disabled in Gatus; not imported");
  const start = /^(\d{1,2}):(\d{2})$/.exec(String(window.start ?? ""));
  const length = duration(window.duration);
  const days = (window.every ?? []).map((day) => DAYS.indexOf(day));
  if (!start || !length || days.includes(-1)) return out.skip(item, `start "${String(window.start)}", duration "${String(window.duration)}" or every ${JSON.stringify(window.every ?? [])} is not as Gatus documents it (hh:mm, a duration, day names)`);
  const cron = `${Number(start[2])} ${Number(start[1])} * * ${days.length > 0 ? days.join(",") : "*"}`;
  const name = services.length > 0 ? `gatus-${services[0]}-${out.maintenance.length + 1}` : "gatus-maintenance";
  out.maintenance.push({ name, services, cron, duration: length, timezone: window.timezone ?? "UTC" });
  out.mapped(item, `maintenance ${name}: cron "${cron}" for ${length}${services.length > 0 ? ` on ${services.join(", ")}` : " on everything"}`);
}

function mapExternal(endpoint: ExternalEndpoint, out: ConfigBuilder): string | undefined {
  const item = `external endpoint "${endpoint.name ?? "?"}"`;
  const period = duration(endpoint.heartbeat?.interval);
  if (period === undefined) return void out.skip(item, "no heartbeat.interval: Gatus never expects it at a time, and a push check needs the period it expects a call in");
  const token = out.secret(`GATUS_PUSH_${slug(endpoint.name ?? "")}`, `the token of ${item}; the job must now call the agent's /push/<token> (Gatus' /api/v1/endpoints/…/external is not served)`, variableOf(endpoint.token));
  const check = out.check(item, "push", { token, period }, {});
  if (!check) return undefined;
  const held = endpoint.enabled === false ? { reason: "Disabled in Gatus (enabled: false): imported disabled.", checks: [check] } : undefined;
  const name = out.service(endpoint.name ?? "push", [], held ? [] : [check], {}, held);
  out.approx(item, `service ${name}: a push check; the job's URL changes to the agent's /push/<token>`);
  return name;
}

export function importGatus(config: GatusConfig, file = "config.yaml"): { config: ImportedConfig; report: ImportReport; held: Map<string, HeldChecks> } {
  const out = new ConfigBuilder(`the Gatus config ${file}`);
  const mapped = new Set<string>();
  for (const [kind, provider] of Object.entries(config.alerting ?? {})) if (mapProvider(kind, provider ?? {}, out)) mapped.add(kind);
  const configured = new Set(Object.keys(config.alerting ?? {}));
  const choices = new Map<string, string[]>();
  const services = [
    ...(config.endpoints ?? []).map((endpoint) => mapEndpoint(endpoint, out, mapped, choices, config.alerting ?? {})),
    ...(config["external-endpoints"] ?? []).map((endpoint) => mapExternal(endpoint, out)),
  ].filter((name): name is string => name !== undefined);
  for (const [types, names] of choices) {
    out.approx(`endpoint${names.length === 1 ? "" : "s"} ${names.join(", ")}: alerts ${types === "none" ? "none" : `${types} only`}`, "Understudy sends every incident to every notifier; route by the service's criticality with each notifier's min_severity");
  }
  const missing = new Set((config.endpoints ?? []).flatMap((endpoint) => (endpoint.alerts ?? []).map((alert) => alert.type ?? "")).filter((type) => type && !configured.has(type)));
  for (const type of missing) out.skip(`alerts of type ${type}`, "no alerting provider of that type is configured in the file");
  if (config.maintenance) mapWindow(config.maintenance, "maintenance (global)", out, []);
  if (config.security) out.mapped("security", "Gatus' dashboard was guarded: no service is marked public");
  else if (services.length > 0) {
    for (const name of services) out.amend(name, { public: true });
    out.mapped("status page (Gatus' dashboard)", `it showed every endpoint to anyone: the ${services.length} services are public: true, on Understudy's status page`);
  }
  if (Array.isArray(config.suites) && config.suites.length > 0) out.skip(`${config.suites.length} suite(s)`, "Understudy has no multi-step checks that pass values along; import each step as an endpoint");
  if (Array.isArray(config.announcements) && config.announcements.length > 0) out.skip(`${config.announcements.length} announcement(s)`, "Understudy's status page shows incidents, not written announcements");
  if (config.tunneling) out.skip("tunneling", "Understudy's checks do not go through SSH tunnels; run an agent where the endpoints are reachable");
  const app = APP_KEYS.filter((key) => key !== "security" && config[key] !== undefined);
  if (app.length > 0) out.notes.push(`Gatus' own settings (${app.join(", ")}) configure Gatus itself and have no counterpart to import; see agents: and dashboard: for Understudy's.`);
  if ((config.endpoints ?? []).some((endpoint) => endpoint.ui)) out.notes.push("Endpoints' ui: settings only change how Gatus displays results; they are not imported.");
  return out.build();
}
