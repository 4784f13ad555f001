// `understudy import gatus`: maps a Gatus config (`endpoints: [{ name, group, url, interval, conditions,
// alerts }]`, `external-endpoints`, `alerting: { discord: { webhook-url }, … }`) to a config. Pure: the
// caller parses the YAML. URLs pick the check: http(s) → http (+ tls for certificate conditions),
// tcp:// → tcp, icmp:// → ping, a `dns:` block → dns. Tokens become "env:NAME"; a value written as
// Gatus' own "${VAR}" keeps its variable.
import { ConfigBuilder, slug, type ImportedConfig, type Json } from "./builder.js";
import { readConditions } from "./gatus-conditions.js";
import type { ImportReport } from "./report.js";

interface Endpoint {
  name?: string;
  group?: string;
  url?: string;
  method?: string;
  interval?: string;
  enabled?: boolean;
  conditions?: string[];
  dns?: { "query-name"?: string; "query-type"?: string };
  client?: { insecure?: boolean; timeout?: string };
  headers?: Record<string, string>;
  body?: string;
  alerts?: { type?: string; enabled?: boolean; "failure-threshold"?: number; "success-threshold"?: number }[];
}

interface ExternalEndpoint {
  name?: string;
  group?: string;
  token?: string;
  heartbeat?: { interval?: string };
}

export interface GatusConfig {
  endpoints?: Endpoint[];
  "external-endpoints"?: ExternalEndpoint[];
  alerting?: Record<string, Record<string, unknown> | null>;
}

/** Gatus' Go durations ("1m", "30s", "1h0m0s", "500ms") are Understudy durations once the zero parts go. */
function duration(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const cleaned = text.replace(/(?<=\d[hms])0(m|s)/g, "").replace(/(?<=\d[hm])0s/g, "");
  return /^(\d+(ms|s|m|h))+$/.test(cleaned) ? cleaned : undefined;
}

function label(endpoint: Endpoint): string {
  return `endpoint "${endpoint.group ? `${endpoint.group}/` : ""}${endpoint.name ?? "?"}"`;
}

function mapEndpoint(endpoint: Endpoint, out: ConfigBuilder): void {
  const item = label(endpoint);
  const url = endpoint.url ?? "";
  if (endpoint.enabled === false) out.notes.push(`${item} was disabled in Gatus; it is imported and will run.`);
  let kind: "http" | "tcp" | "ping" | "dns";
  let host: string;
  let port: number | undefined;
  if (endpoint.dns) {
    kind = "dns";
    host = url.replace(/^[a-z]+:\/\//, "");
  } else if (/^https?:\/\//.test(url) && URL.canParse(url)) {
    kind = "http";
    host = new URL(url).hostname;
  } else if (/^(tcp|icmp):\/\//.test(url) && URL.canParse(url.replace(/^(tcp|icmp)/, "http"))) {
    const parsed = new URL(url.replace(/^(tcp|icmp)/, "http"));
    kind = url.startsWith("tcp") ? "tcp" : "ping";
    host = parsed.hostname;
    port = parsed.port === "" ? undefined : Number(parsed.port);
  } else {
    return out.skip(item, `Understudy has no check for ${/^[a-z]+:\/\//.exec(url)?.[0] ?? (url || "an endpoint without a URL")}`);
  }
  const expect = readConditions(endpoint.conditions ?? [], kind);
  for (const { condition, reason } of expect.unmapped) out.skip(`${item}: condition ${condition}`, reason);
  const latency = expect.maxLatencyMs === undefined ? {} : { [kind === "ping" ? "max_rtt" : "max_latency"]: `${expect.maxLatencyMs}ms` };

  let spec: unknown;
  if (kind === "http") {
    const method = (endpoint.method ?? "GET").toUpperCase();
    spec = {
      url, ...(method !== "GET" ? { method } : {}), ...(expect.status !== undefined && expect.status !== "2xx" ? { status: expect.status } : {}),
      ...(expect.body ? { body: expect.body } : {}), ...(expect.json ? { json: expect.json } : {}), ...latency,
      ...(endpoint.client?.insecure ? { tls_verify: false } : {}),
    };
    if (endpoint.headers && Object.keys(endpoint.headers).length > 0) out.skip(`${item}: headers`, 'not copied (they may hold secrets); add them under headers, secrets as { secret: "env:NAME" }');
    if (endpoint.body) out.skip(`${item}: request body`, "the http check sends no body");
  } else if (kind === "tcp") {
    spec = { host, port, ...latency };
  } else if (kind === "ping") {
    spec = Object.keys(latency).length > 0 ? { host, ...latency } : host;
  } else {
    spec = { server: host, name: endpoint.dns?.["query-name"], type: endpoint.dns?.["query-type"] ?? "A", ...(expect.rcode ? { rcode: expect.rcode } : {}), ...(expect.answers ? { answers: expect.answers } : {}), ...latency };
  }

  const alert = (endpoint.alerts ?? []).find((candidate) => candidate.enabled !== false);
  const keys: Json = {};
  const interval = duration(endpoint.interval ?? "60s");
  if (interval) keys.interval = interval;
  const timeout = duration(endpoint.client?.timeout);
  if (timeout) keys.timeout = timeout;
  // Gatus alerts after 3 failures and resolves after 2 successes unless told otherwise.
  if (alert) Object.assign(keys, { failure_threshold: alert["failure-threshold"] ?? 3, success_threshold: alert["success-threshold"] ?? 2 });
  const checks = [out.check(item, kind, spec, keys)];
  if (expect.certificateDays !== undefined) checks.push(out.check(`${item}: certificate`, "tls", { host, port: new URL(url).port ? Number(new URL(url).port) : 443, min_days: expect.certificateDays }, { interval: keys.interval ?? "60s" }));
  const valid = checks.filter((check): check is Json => check !== undefined);
  if (valid.length === 0) return;
  out.service(endpoint.name ?? kind, [out.host(host)], valid, endpoint.group ? { description: `Gatus group ${endpoint.group}` } : {});
}

function mapExternal(endpoint: ExternalEndpoint, out: ConfigBuilder): void {
  const item = `external endpoint "${endpoint.name ?? "?"}"`;
  const period = duration(endpoint.heartbeat?.interval);
  if (period === undefined) return out.skip(item, "no heartbeat.interval: a push check needs the period it expects a call in");
  const token = out.secret(`GATUS_PUSH_${slug(endpoint.name ?? "")}`, `the token of ${item}; the job must now call the agent's /push/<token>`, variableOf(endpoint.token));
  const check = out.check(item, "push", { token, period }, {});
  if (check) out.service(endpoint.name ?? "push", [], [check]);
}

/** "${DISCORD_WEBHOOK}" → "DISCORD_WEBHOOK": Gatus' own environment substitution names the variable already. */
function variableOf(value: unknown): string | undefined {
  return typeof value === "string" ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim())?.[1] : undefined;
}

function mapProvider(kind: string, config: Record<string, unknown>, out: ConfigBuilder): void {
  const item = `alerting provider ${kind}`;
  const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
  const secret = (key: string, what: string) => out.secret(`GATUS_${kind}_${key}`, `${what} of ${item}`, variableOf(config[key]));
  if (Array.isArray(config.overrides) && config.overrides.length > 0) out.skip(`${item}: overrides per group`, "Understudy sends every incident to every notifier; route with min_severity");
  switch (kind) {
    case "ntfy":
      return out.notifier(item, "ntfy", { url: `${(str("url") ?? "https://ntfy.sh").replace(/\/+$/, "")}/${str("topic") ?? ""}`, ...(config.token ? { token: secret("token", "the access token") } : {}) });
    case "gotify":
      return out.notifier(item, "gotify", { url: str("server-url"), token: secret("token", "the application token") });
    case "discord":
    case "slack":
      return out.notifier(item, kind, { webhook_url: secret("webhook-url", "the webhook URL") });
    case "telegram":
      return out.notifier(item, "telegram", { bot_token: secret("token", "the bot token"), chat_id: str("id"), ...(str("api-url") ? { api_url: str("api-url") } : {}) });
    case "matrix":
      return out.notifier(item, "matrix", { homeserver: str("server-url") ?? "https://matrix-client.matrix.org", access_token: secret("access-token", "the access token"), room_id: str("internal-room-id") });
    case "pushover":
      return out.notifier(item, "pushover", { user_key: secret("user-key", "the user key"), app_token: secret("application-token", "the application token"), ...(str("device") ? { device: str("device") } : {}) });
    case "email": {
      const user = str("username") ?? (config.password ? str("from") : undefined);
      return out.notifier(item, "email", {
        host: str("host"), ...(typeof config.port === "number" ? { port: config.port } : {}),
        ...(user ? { user, password: secret("password", "the SMTP password") } : {}),
        from: str("from"), to: (str("to") ?? "").split(",").map((to) => to.trim()).filter(Boolean),
      });
    }
    case "custom":
      if (config.body || config.headers) out.skip(`${item}: body and headers`, "not copied (the body is Understudy's JSON template now; headers may hold secrets)");
      return out.notifier(item, "webhook", { url_secret: secret("url", "the URL"), ...(str("method") && str("method") !== "POST" ? { method: str("method") } : {}) });
    default:
      return out.skip(item, `Understudy has no ${kind} notifier (it has ntfy, gotify, discord, slack, telegram, matrix, pushover, email, webhook)`);
  }
}

export function importGatus(config: GatusConfig, file = "config.yaml"): { config: ImportedConfig; report: ImportReport } {
  const out = new ConfigBuilder(`the Gatus config ${file}`);
  for (const [kind, provider] of Object.entries(config.alerting ?? {})) mapProvider(kind, provider ?? {}, out);
  for (const endpoint of config.endpoints ?? []) mapEndpoint(endpoint, out);
  for (const endpoint of config["external-endpoints"] ?? []) mapExternal(endpoint, out);
  const configured = new Set(Object.keys(config.alerting ?? {}));
  const missing = new Set((config.endpoints ?? []).flatMap((endpoint) => (endpoint.alerts ?? []).map((alert) => alert.type ?? "")).filter((type) => type && !configured.has(type)));
  for (const type of missing) out.skip(`alerts of type ${type}`, "no alerting provider of that type is configured in the file");
  if ((config.endpoints ?? []).some((endpoint) => (endpoint.alerts ?? []).length > 0)) {
    out.notes.push("Gatus alerts per endpoint; Understudy sends every incident to every notifier (filter with min_severity). Each check keeps the endpoint's failure and success thresholds.");
  }
  return out.build();
}
