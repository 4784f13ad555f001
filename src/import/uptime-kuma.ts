// `understudy import uptime-kuma`: maps Uptime Kuma's monitors, read from its database (kuma-db.ts) or
// an old 1.x backup (`{ version, notificationList, monitorList }`), to a config. Pure: the caller reads.
// http, keyword and json-query monitors become http checks (accepted codes, headers, basic or bearer
// auth as secret headers; an https monitor's certificate-expiry notification a tls check); port → tcp;
// ping → ping; dns → dns; push → push (its token kept as a variable, so jobs keep calling the same URL);
// a group → a logical service that requires its members. Paused monitors come in disabled and upside-down
// ones are held back (Understudy has no negated check): both as commented-out checks beside the service.
import { ConfigBuilder, slug, type ImportedConfig, type Json } from "./builder.js";
import type { HeldChecks } from "./builder.js";
import { mapMaintenance, type KumaMaintenance } from "./kuma-maintenance.js";
import { mapNotification, type Notification } from "./kuma-notifications.js";
import type { ImportReport } from "./report.js";
import { secondsToDuration, statusFromRanges, toJsonPath, typedValue } from "./status.js";

export interface KumaMonitor {
  id?: number;
  name?: string;
  description?: string | null;
  type?: string;
  url?: string | null;
  hostname?: string | null;
  port?: number | null;
  method?: string;
  interval?: number;
  timeout?: number;
  maxretries?: number;
  resendInterval?: number;
  keyword?: string | null;
  invertKeyword?: boolean;
  jsonPath?: string | null;
  jsonPathOperator?: string | null;
  expectedValue?: string | null;
  accepted_statuscodes?: string[];
  ignoreTls?: boolean;
  maxredirects?: number;
  upsideDown?: boolean;
  expiryNotification?: boolean;
  authMethod?: string | null;
  basic_auth_user?: string | null;
  basic_auth_pass?: string | null;
  bearer_token?: string | null;
  headers?: string | null;
  body?: string | null;
  dns_resolve_server?: string | null;
  dns_resolve_type?: string | null;
  pushToken?: string | null;
  active?: boolean | number;
  parent?: number | null;
  proxyId?: number | null;
  conditions?: unknown[];
  tags?: { name?: string; value?: string | null }[];
  notificationIDList?: Record<string, boolean>;
}

export interface KumaStatusPage {
  id?: number;
  title?: string;
  slug?: string;
  /** The monitors shown on it (the database's monitor_group rows, a backup's publicGroupList). */
  monitorIds: number[];
}

export interface KumaBackup {
  version?: string;
  notificationList?: Notification[];
  monitorList?: KumaMonitor[];
  proxyList?: unknown[];
  maintenanceList?: unknown[];
  statusPageList?: unknown[];
  /** Read from the database: the status pages and their monitors. */
  statusPages?: KumaStatusPage[];
  /** Read from the database: the maintenance windows and the monitors they cover. */
  maintenance?: KumaMaintenance[];
  /** The setting tlsExpiryNotifyDays (Kuma's default [7, 14, 21]). */
  tlsExpiryNotifyDays?: number[];
}

const NOT_CHECKED: Record<string, string> = {
  docker: "Understudy has no docker check; check the container's port (tcp) or its HTTP endpoint instead",
  "real-browser": "Understudy does not drive a browser; an http check with a body expectation is the nearest",
};

const SENSITIVE_HEADER = /auth|token|key|secret|cookie|session|password/i;

function label(monitor: KumaMonitor): string {
  return `monitor "${monitor.name ?? monitor.id ?? "?"}" (${monitor.type ?? "no type"})`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Request headers (Kuma keeps them as a JSON object in a string); secret-looking values become variables. */
function headersOf(monitor: KumaMonitor, out: ConfigBuilder): Json {
  const item = label(monitor);
  const headers: Json = {};
  if (monitor.headers?.trim()) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(monitor.headers);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) out.skip(`${item}: request headers`, "they are not a JSON object in Uptime Kuma; add them under headers by hand");
    else {
      for (const [key, value] of Object.entries(parsed)) {
        headers[key] = SENSITIVE_HEADER.test(key)
          ? { secret: out.secret(`KUMA_${slug(monitor.name ?? "")}_${key}`, `the ${key} header of ${item}`, undefined, String(value)) }
          : String(value);
      }
      out.mapped(`${item}: request headers`, `headers: ${Object.keys(headers).join(", ")}${Object.values(headers).some((v) => typeof v === "object") ? " (secret-looking values as variables)" : ""}`);
    }
  }
  const auth = monitor.authMethod;
  if (auth === "basic") {
    const value = monitor.basic_auth_user ? Buffer.from(`${monitor.basic_auth_user}:${monitor.basic_auth_pass ?? ""}`).toString("base64") : undefined;
    headers.Authorization = { secret: out.secret(`KUMA_${slug(monitor.name ?? "")}_BASIC_AUTH`, `base64 of "${monitor.basic_auth_user ?? "user"}:password" for ${item}`, undefined, value), prefix: "Basic " };
    out.mapped(`${item}: basic authentication`, "an Authorization header from a variable");
  } else if (auth === "bearer") {
    headers.Authorization = { secret: out.secret(`KUMA_${slug(monitor.name ?? "")}_BEARER`, `the bearer token of ${item}`, undefined, monitor.bearer_token ?? undefined), prefix: "Bearer " };
    out.mapped(`${item}: bearer token`, "an Authorization header from a variable");
  } else if (auth) {
    out.skip(`${item}: ${auth} authentication`, "the http check authenticates with headers only (basic, bearer); no NTLM, mTLS client certificate or OAuth2 flow");
  }
  return headers;
}

/** The http check of an http, keyword or json-query monitor; what it cannot express is reported. */
function httpSpec(monitor: KumaMonitor, out: ConfigBuilder): Json {
  const item = label(monitor);
  const spec: Json = { url: monitor.url };
  const method = (monitor.method ?? "GET").toUpperCase();
  if (method !== "GET") spec.method = method;
  if (monitor.accepted_statuscodes) {
    const status = statusFromRanges(monitor.accepted_statuscodes);
    if (status === undefined) out.approx(`${item}: accepted status codes ${monitor.accepted_statuscodes.join(", ")}`, 'not expressible as one code, a list or one class; the check accepts "2xx"');
    else if (status !== "2xx") spec.status = status;
  }
  if (monitor.ignoreTls) spec.tls_verify = false;
  if (monitor.maxredirects === 0) spec.follow_redirects = false;
  if (monitor.type === "keyword" && monitor.keyword) {
    // "Invert keyword": the body must NOT contain it; a lookahead anchored at the start says so.
    spec.body = monitor.invertKeyword ? { matches: `^(?![\\s\\S]*${escapeRegex(monitor.keyword)})` } : { contains: monitor.keyword };
  }
  if (monitor.type === "json-query") {
    const path = monitor.jsonPath ? toJsonPath(monitor.jsonPath) : undefined;
    const operator = monitor.jsonPathOperator ?? "==";
    if (path === undefined || (operator !== "==" && operator !== "===")) {
      out.skip(`${item}: json query ${monitor.jsonPath ?? "(none)"} ${operator} ${monitor.expectedValue ?? ""}`, "only a plain path compared for equality maps to the http check's json expectation");
    } else spec.json = { path, equals: typedValue(monitor.expectedValue ?? "") };
  }
  const headers = headersOf(monitor, out);
  if (Object.keys(headers).length > 0) spec.headers = headers;
  if (monitor.body?.trim()) out.skip(`${item}: request body`, `the http check sends no request body; it sends ${method} without one (a server that needs the body may answer differently)`);
  return spec;
}

/** The check of one monitor, or undefined (reported) when its type has no counterpart. */
function checkOf(monitor: KumaMonitor, out: ConfigBuilder): { kind: string; spec: unknown; target?: string } | undefined {
  const item = label(monitor);
  switch (monitor.type) {
    case "http":
    case "keyword":
    case "json-query":
      if (!monitor.url || !URL.canParse(monitor.url)) return void out.skip(item, "no valid URL");
      return { kind: "http", spec: httpSpec(monitor, out), target: new URL(monitor.url).hostname };
    case "port":
      return { kind: "tcp", spec: { host: monitor.hostname, port: monitor.port }, target: monitor.hostname ?? undefined };
    case "ping":
      return { kind: "ping", spec: monitor.hostname, target: monitor.hostname ?? undefined };
    case "dns": {
      const server = monitor.dns_resolve_server ?? "1.1.1.1";
      const port = monitor.port && monitor.port !== 53 ? `:${monitor.port}` : "";
      // The DNS server is what is watched; the name is what it is asked.
      return { kind: "dns", spec: { server: `${server}${port}`, name: monitor.hostname, type: monitor.dns_resolve_type ?? "A" }, target: server };
    }
    case "push": {
      const token = out.secret(`KUMA_PUSH_${slug(monitor.name ?? "")}`, `the push token of ${item} (the last part of its Push URL); jobs keep calling /api/push/<token>, now on the agent`, undefined, monitor.pushToken ?? undefined);
      return { kind: "push", spec: { token, period: secondsToDuration(monitor.interval ?? 60) } };
    }
    default:
      return void out.skip(item, NOT_CHECKED[monitor.type ?? ""] ?? `Understudy has no ${monitor.type ?? "untyped"} check`);
  }
}

function scheduling(monitor: KumaMonitor): Json {
  const keys: Json = {};
  // A push monitor's interval is the heartbeat period (its check's `period`), not how often to look.
  if (monitor.interval && monitor.type !== "push") keys.interval = secondsToDuration(monitor.interval);
  if (monitor.timeout && monitor.timeout > 0) keys.timeout = secondsToDuration(monitor.timeout);
  // Uptime Kuma retries maxretries times before it calls a monitor down.
  if (monitor.maxretries !== undefined && monitor.maxretries >= 0) keys.failure_threshold = monitor.maxretries + 1;
  return keys;
}

/** Kuma warns about an https monitor's certificate (on by default) at each of tlsExpiryNotifyDays. */
function certificateCheck(monitor: KumaMonitor, days: number[], out: ConfigBuilder): Json | undefined {
  if (monitor.expiryNotification === false || monitor.ignoreTls || !monitor.url?.startsWith("https://") || !URL.canParse(monitor.url)) return undefined;
  const url = new URL(monitor.url);
  const minDays = Math.max(...days);
  const check = out.check(`${label(monitor)}: certificate expiry notification`, "tls", { host: url.hostname, port: url.port ? Number(url.port) : 443, min_days: minDays }, { interval: "1h" });
  if (check) out.mapped(`${label(monitor)}: certificate expiry notification`, `a tls check failing ${minDays} days before expiry (Kuma's first warning of ${days.join(", ")} days)`);
  return check;
}

export function importUptimeKuma(backup: KumaBackup, source = "the Uptime Kuma backup backup.json"): { config: ImportedConfig; report: ImportReport; held: Map<string, HeldChecks> } {
  const out = new ConfigBuilder(`${source}${backup.version ? ` (version ${backup.version})` : ""}`);
  const notifierOf = new Map<string, string>();
  for (const notification of backup.notificationList ?? []) {
    const name = mapNotification(notification, out);
    if (name !== undefined && notification.id !== undefined) notifierOf.set(String(notification.id), name);
  }
  const monitors = backup.monitorList ?? [];
  const serviceOf = new Map<number, string>();
  const choices = new Map<string, string[]>();
  const tlsDays = backup.tlsExpiryNotifyDays?.length ? backup.tlsExpiryNotifyDays : [7, 14, 21];
  for (const monitor of monitors) {
    if (monitor.type === "group") continue;
    const found = checkOf(monitor, out);
    if (!found) continue;
    const item = label(monitor);
    const check = out.check(item, found.kind, found.spec, scheduling(monitor));
    if (!check) continue;
    const checks = [check, ...[certificateCheck(monitor, tlsDays, out)].filter((c): c is Json => c !== undefined)];
    const paused = monitor.active === false || monitor.active === 0;
    const held: HeldChecks | undefined = monitor.upsideDown
      ? { reason: "Upside down in Uptime Kuma (up when this check fails). Understudy has no negated check, so it is not run.", hint: "The check the right way up (moved into checks:, it would alert when Kuma did not):", checks }
      : paused ? { reason: "Paused in Uptime Kuma: imported disabled.", checks } : undefined;
    const tags = (monitor.tags ?? []).map((tag) => (tag.value ? `${tag.name}=${tag.value}` : String(tag.name)));
    const description = [monitor.description, tags.length > 0 ? `Uptime Kuma tags: ${tags.join(", ")}` : undefined].filter(Boolean).join(". ");
    const name = out.service(monitor.name ?? found.kind, found.target ? [out.host(found.target)] : [], held ? [] : checks, description ? { description } : {}, held);
    serviceOf.set(monitor.id ?? -1, name);
    if (monitor.upsideDown) out.skip(`${item}: upside down mode`, `Understudy has no negated check; service ${name}'s check is kept commented out instead of being run the right way up`);
    else if (monitor.type === "push") out.mapped(item, `service ${name}: push check; jobs keep calling /api/push/<token>, now on the agent (a ?status=down call counts as no beat)`);
    else out.mapped(item, `service ${name}: ${checks.map((c) => Object.keys(c).find((key) => !["interval", "timeout", "failure_threshold"].includes(key))).join(" + ")} check${paused ? ", disabled (commented out) as it was paused" : ""}`);
    if (tags.length > 0) out.approx(`${item}: tags ${tags.join(", ")}`, `Understudy has no labels; they are in service ${name}'s description`);
    if (monitor.resendInterval && monitor.resendInterval > 0) out.approx(`${item}: resend every ${monitor.resendInterval} checks while down`, "Understudy reminds about every open incident at notify_policy.remind_every; set it to about that long");
    if (monitor.proxyId) out.approx(`${item}: proxy`, "Understudy's checks connect directly, not through a proxy");
    if (Array.isArray(monitor.conditions) && monitor.conditions.length > 0) out.skip(`${item}: ${monitor.conditions.length} condition(s)`, "Uptime Kuma's monitor conditions have no counterpart; add expectations to the check by hand");
    const chosen = Object.entries(monitor.notificationIDList ?? {}).filter(([, on]) => on).map(([id]) => notifierOf.get(id) ?? `#${id}`);
    if (notifierOf.size > 0 && (chosen.length !== notifierOf.size || chosen.some((n) => n.startsWith("#")))) {
      const key = chosen.length > 0 ? chosen.join(", ") : "none";
      choices.set(key, [...(choices.get(key) ?? []), `"${monitor.name ?? monitor.id}"`]);
    }
  }
  // One row per choice of notifications that is narrower than "all of them", naming the monitors.
  for (const [chosen, names] of choices) {
    out.approx(`monitor${names.length === 1 ? "" : "s"} ${names.join(", ")}: ${chosen === "none" ? "no notification" : `notified by ${chosen} only`}`, "Understudy sends every incident to every notifier; route by the service's criticality with each notifier's min_severity");
  }
  mapGroups(monitors, serviceOf, out);
  markPublic(backup, serviceOf, out);
  mapMaintenance(backup.maintenance ?? [], serviceOf, out);
  for (const [key, reason] of Object.entries(OTHER_LISTS)) {
    const list = backup[key as keyof typeof OTHER_LISTS];
    if (Array.isArray(list) && list.length > 0) out.skip(`${list.length} ${key.replace("List", "")} entr${list.length === 1 ? "y" : "ies"}`, reason);
  }
  return out.build();
}

/** A group monitor is up when all its members are: a logical service that requires each of them. */
function mapGroups(monitors: readonly KumaMonitor[], serviceOf: Map<number, string>, out: ConfigBuilder): void {
  const groups = monitors.filter((monitor) => monitor.type === "group");
  for (const group of groups) {
    const held = group.active === false || group.active === 0 ? " (paused in Uptime Kuma; its members' checks run)" : "";
    serviceOf.set(group.id ?? -1, out.service(group.name ?? "group", [], [], { description: `Uptime Kuma group${held}` }));
  }
  for (const group of groups) {
    const name = serviceOf.get(group.id ?? -1)!;
    const members = monitors.filter((monitor) => monitor.parent === group.id && serviceOf.has(monitor.id ?? -1)).map((monitor) => serviceOf.get(monitor.id!)!);
    out.amend(name, { depends_on: members });
    out.mapped(label(group), `service ${name}, which requires its ${members.length} member${members.length === 1 ? "" : "s"}${members.length > 0 ? ` (${members.join(", ")})` : ""}`);
  }
}

/** Services whose monitor is on a status page are public: Understudy's status page shows them. */
function markPublic(backup: KumaBackup, serviceOf: Map<number, string>, out: ConfigBuilder): void {
  const pages = backup.statusPages ?? (backup.statusPageList ?? []).map(pageOfBackup);
  for (const page of pages) {
    const names = page.monitorIds.map((id) => serviceOf.get(id)).filter((name): name is string => name !== undefined);
    for (const name of names) out.amend(name, { public: true });
    out.approx(`status page "${page.title ?? page.slug ?? "?"}"`, `its ${names.length} service${names.length === 1 ? " is" : "s are"} public: true, shown on Understudy's one status page; its title, groups and look are not kept`);
  }
}

function pageOfBackup(entry: unknown): KumaStatusPage {
  const page = (entry ?? {}) as { title?: string; slug?: string; publicGroupList?: { monitorList?: { id?: number }[] }[] };
  return { title: page.title, slug: page.slug, monitorIds: (page.publicGroupList ?? []).flatMap((group) => (group.monitorList ?? []).map((m) => m.id ?? -1)) };
}

/** Parts of a backup that have no place in the config, so that none goes unmentioned. */
const OTHER_LISTS = {
  proxyList: "proxies: Understudy's checks connect directly",
  maintenanceList: "maintenance windows: write them under maintenance: (name, hosts, services, cron or start, duration)",
} as const;
