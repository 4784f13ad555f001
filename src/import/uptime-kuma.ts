// `understudy import uptime-kuma`: maps an Uptime Kuma backup (Settings → Backup → Export:
// `{ version, notificationList, monitorList }`) to a config. Pure: the caller reads the file.
// http, keyword and json-query monitors become http checks with body/json expectations; port → tcp;
// ping → ping; dns → dns; push → push. Groups, docker and the rest are reported with the reason.
// Notifications (their `config` is a JSON string) become notifiers; every token becomes "env:NAME".
import { ConfigBuilder, slug, type ImportedConfig, type Json } from "./builder.js";
import type { ImportReport } from "./report.js";
import { secondsToDuration, statusFromRanges, toJsonPath, typedValue } from "./status.js";

interface Monitor {
  id?: number;
  name?: string;
  type?: string;
  url?: string;
  hostname?: string;
  port?: number;
  method?: string;
  interval?: number;
  timeout?: number;
  maxretries?: number;
  keyword?: string;
  invertKeyword?: boolean;
  jsonPath?: string;
  jsonPathOperator?: string;
  expectedValue?: string;
  accepted_statuscodes?: string[];
  ignoreTls?: boolean;
  maxredirects?: number;
  upsideDown?: boolean;
  authMethod?: string | null;
  basic_auth_user?: string | null;
  headers?: string | null;
  body?: string | null;
  dns_resolve_server?: string;
  dns_resolve_type?: string;
  pushToken?: string;
  active?: boolean | number;
  notificationIDList?: Record<string, boolean>;
}

const NOT_CHECKED: Record<string, string> = {
  group: "a group only gathers monitors; Understudy groups checks by service and host",
  docker: "Understudy has no docker check; check the container's port (tcp) or its HTTP endpoint instead",
  "real-browser": "Understudy does not drive a browser; an http check with a body expectation is the nearest",
};

function label(monitor: Monitor): string {
  return `monitor "${monitor.name ?? monitor.id ?? "?"}" (${monitor.type ?? "no type"})`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The http check of an http, keyword or json-query monitor; expectations it cannot express are reported. */
function httpSpec(monitor: Monitor, out: ConfigBuilder): Json {
  const item = label(monitor);
  const spec: Json = { url: monitor.url };
  const method = (monitor.method ?? "GET").toUpperCase();
  if (method !== "GET") spec.method = method;
  if (monitor.accepted_statuscodes) {
    const status = statusFromRanges(monitor.accepted_statuscodes);
    if (status === undefined) out.skip(`${item}: accepted status codes ${monitor.accepted_statuscodes.join(", ")}`, 'not expressible as one code, a list or one class; the check accepts "2xx"');
    else if (status !== "2xx") spec.status = status;
  }
  if (monitor.ignoreTls) spec.tls_verify = false;
  if (monitor.maxredirects === 0) spec.follow_redirects = false;
  if (monitor.type === "keyword" && monitor.keyword) {
    // "Invert keyword": the body must NOT contain it; a lookahead anchored at the start says so.
    spec.body = monitor.invertKeyword ? { matches: `^(?![\\s\\S]*${escapeRegex(monitor.keyword)})` } : { contains: monitor.keyword };
  }
  if (monitor.type === "json-query") {
    const path = monitor.jsonPath === undefined ? undefined : toJsonPath(monitor.jsonPath);
    const operator = monitor.jsonPathOperator ?? "==";
    if (path === undefined || (operator !== "==" && operator !== "===")) {
      out.skip(`${item}: json query ${monitor.jsonPath ?? "(none)"} ${operator} ${monitor.expectedValue ?? ""}`, "only a plain path compared for equality maps to the http check's json expectation");
    } else spec.json = { path, equals: typedValue(monitor.expectedValue ?? "") };
  }
  if (monitor.authMethod) out.skip(`${item}: ${monitor.authMethod} authentication`, 'credentials are not copied; add headers: { Authorization: { secret: "env:NAME", prefix: "Basic " } } by hand');
  if (monitor.headers?.trim()) out.skip(`${item}: request headers`, "not copied (they may hold secrets); add them under headers, secrets as { secret: \"env:NAME\" }");
  if (monitor.body?.trim()) out.skip(`${item}: request body`, "the http check sends no body");
  return spec;
}

/** The check of one monitor, or undefined (reported) when its type has no counterpart. */
function checkOf(monitor: Monitor, out: ConfigBuilder): { kind: string; spec: unknown; target?: string } | undefined {
  const item = label(monitor);
  switch (monitor.type) {
    case "http":
    case "keyword":
    case "json-query":
      if (!monitor.url || !URL.canParse(monitor.url)) return void out.skip(item, "no valid URL");
      return { kind: "http", spec: httpSpec(monitor, out), target: new URL(monitor.url).hostname };
    case "port":
      return { kind: "tcp", spec: { host: monitor.hostname, port: monitor.port }, target: monitor.hostname };
    case "ping":
      return { kind: "ping", spec: monitor.hostname, target: monitor.hostname };
    case "dns": {
      const server = monitor.dns_resolve_server ?? "1.1.1.1";
      const port = monitor.port !== undefined && monitor.port !== 53 ? `:${monitor.port}` : "";
      // The DNS server is what is watched; the name is what it is asked.
      return { kind: "dns", spec: { server: `${server}${port}`, name: monitor.hostname, type: monitor.dns_resolve_type ?? "A" }, target: server };
    }
    case "push": {
      const token = out.secret(`KUMA_PUSH_${slug(monitor.name ?? "")}`, `the push token of ${item}; the job must now call the agent's /push/<token> instead of Uptime Kuma's /api/push/<token>`);
      return { kind: "push", spec: { token, period: secondsToDuration(monitor.interval ?? 60) } };
    }
    default:
      return void out.skip(item, NOT_CHECKED[monitor.type ?? ""] ?? `Understudy has no ${monitor.type ?? "untyped"} check`);
  }
}

function scheduling(monitor: Monitor): Json {
  const keys: Json = {};
  // A push monitor's interval is the heartbeat period (its check's `period`), not how often to look.
  if (monitor.interval && monitor.type !== "push") keys.interval = secondsToDuration(monitor.interval);
  if (monitor.timeout && monitor.timeout > 0) keys.timeout = secondsToDuration(monitor.timeout);
  // Uptime Kuma retries maxretries times before it calls a monitor down.
  if (monitor.maxretries !== undefined && monitor.maxretries >= 0) keys.failure_threshold = monitor.maxretries + 1;
  return keys;
}

interface Notification {
  id?: number;
  name?: string;
  config?: string;
}

/** One notification's config → a notifier, tokens as variables; kinds without a counterpart reported. */
function mapNotification(entry: Notification, out: ConfigBuilder): void {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(entry.config ?? "{}") as Record<string, unknown>;
  } catch {
    return out.skip(`notification "${entry.name ?? entry.id}"`, "its config is not JSON");
  }
  const name = String(entry.name ?? config.name ?? entry.id ?? "notification");
  const type = String(config.type ?? "");
  const item = `notification "${name}" (${type || "no type"})`;
  const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
  const secret = (key: string, what: string) => out.secret(`KUMA_${slug(name)}_${key}`, `${what} of ${item}`);
  switch (type) {
    case "ntfy": {
      const spec: Json = { url: `${(str("ntfyserverurl") ?? "https://ntfy.sh").replace(/\/+$/, "")}/${str("ntfytopic") ?? ""}` };
      if (config.ntfyAuthenticationMethod === "accessToken" || str("ntfyaccesstoken")) spec.token = secret("token", "the access token");
      if (config.ntfyAuthenticationMethod === "usernamePassword") out.skip(`${item}: username and password`, "the ntfy notifier authenticates with an access token only; create one (ntfy token add) and set token:");
      return out.notifier(item, "ntfy", spec);
    }
    case "gotify":
      return out.notifier(item, "gotify", { url: str("gotifyserverurl"), token: secret("token", "the application token") });
    case "discord":
      return out.notifier(item, "discord", { webhook_url: secret("webhook_url", "the webhook URL"), ...(str("discordUsername") ? { username: str("discordUsername") } : {}) });
    case "slack":
      return out.notifier(item, "slack", { webhook_url: secret("webhook_url", "the webhook URL") });
    case "telegram":
      return out.notifier(item, "telegram", { bot_token: secret("bot_token", "the bot token"), chat_id: str("telegramChatID") });
    case "matrix":
      return out.notifier(item, "matrix", { homeserver: str("homeserverUrl"), access_token: secret("access_token", "the access token"), room_id: str("internalRoomId") });
    case "pushover":
      return out.notifier(item, "pushover", {
        user_key: secret("user_key", "the user key"), app_token: secret("app_token", "the application token"),
        ...(str("pushoverdevice") ? { device: str("pushoverdevice") } : {}),
      });
    case "smtp": {
      if (str("smtpCC") || str("smtpBCC")) out.skip(`${item}: CC and BCC`, "the email notifier sends to `to` only; add those addresses there");
      const user = str("smtpUsername");
      return out.notifier(item, "email", {
        host: str("smtpHost"), ...(typeof config.smtpPort === "number" ? { port: config.smtpPort } : {}), secure: config.smtpSecure === true,
        ...(user ? { user, password: secret("password", "the SMTP password") } : {}),
        from: str("smtpFrom"), to: (str("smtpTo") ?? "").split(",").map((to) => to.trim()).filter(Boolean),
      });
    }
    case "webhook": {
      if ((str("httpMethod") ?? "post").toLowerCase() !== "post") out.skip(`${item}: method ${str("httpMethod")}`, "the webhook notifier sends POST, PUT or PATCH with a JSON body");
      if (config.webhookContentType === "custom" || config.webhookContentType === "form-data") out.skip(`${item}: ${String(config.webhookContentType)} body`, "the body is Understudy's JSON template now; rewrite it under template:");
      if (str("webhookAdditionalHeaders")) out.skip(`${item}: additional headers`, "not copied (they may hold secrets); add them under headers or secret_headers");
      // The URL of a webhook often carries its token: it is named, not copied.
      return out.notifier(item, "webhook", { url_secret: secret("url", "the webhook URL") });
    }
    default:
      return out.skip(item, `Understudy has no ${type || "untyped"} notifier (it has ntfy, gotify, discord, slack, telegram, matrix, pushover, email, webhook)`);
  }
}

export interface KumaBackup {
  version?: string;
  notificationList?: Notification[];
  monitorList?: Monitor[];
  proxyList?: unknown[];
  maintenanceList?: unknown[];
  statusPageList?: unknown[];
}

/** Parts of a backup that have no place in the config, so that none goes unmentioned. */
const OTHER_LISTS = {
  proxyList: "proxies: Understudy's checks connect directly",
  maintenanceList: "maintenance windows: write them under maintenance: (name, hosts, services, cron or start, duration)",
  statusPageList: "status pages: Understudy's public status page shows the services marked public: true",
} as const;

export function importUptimeKuma(backup: KumaBackup, file = "backup.json"): { config: ImportedConfig; report: ImportReport } {
  const out = new ConfigBuilder(`the Uptime Kuma backup ${file}${backup.version ? ` (version ${backup.version})` : ""}`);
  for (const notification of backup.notificationList ?? []) mapNotification(notification, out);
  for (const monitor of backup.monitorList ?? []) {
    const found = checkOf(monitor, out);
    if (!found) continue;
    const check = out.check(label(monitor), found.kind, found.spec, scheduling(monitor));
    if (!check) continue;
    const paused = monitor.active === false || monitor.active === 0;
    const name = out.service(monitor.name ?? found.kind, found.target ? [out.host(found.target)] : [], [check]);
    if (paused) out.notes.push(`${name} was paused in Uptime Kuma; its check is imported and will run.`);
    if (monitor.upsideDown) out.skip(`${label(monitor)}: upside down mode`, "Understudy alerts when a check fails, never when it succeeds; the check is imported the right way up");
  }
  for (const [key, reason] of Object.entries(OTHER_LISTS)) {
    const list = backup[key as keyof typeof OTHER_LISTS];
    if (Array.isArray(list) && list.length > 0) out.skip(`${list.length} ${key.replace("List", "")} entr${list.length === 1 ? "y" : "ies"}`, reason);
  }
  if ((backup.notificationList ?? []).length > 0) out.notes.push("Uptime Kuma sends each monitor's alerts to its chosen notifications; Understudy sends every incident to every notifier (filter with min_severity).");
  return out.build();
}
