// Reads Uptime Kuma's own SQLite database (data/kuma.db, the only store of 2.x, which has no JSON backup)
// into the shape of a 1.x backup, so one mapping serves both. Read-only while Kuma runs: opened with
// readonly (never a write, no journal change), a busy timeout so a write in progress is waited for, and
// every read inside one transaction so that monitors, tags and notifications come from one moment.
// Columns follow db/kuma.db plus db/knex_migrations; a column a version lacks reads as absent.
import Database from "better-sqlite3";
import type { KumaBackup, KumaMonitor, KumaStatusPage } from "./uptime-kuma.js";
import type { Notification } from "./kuma-notifications.js";
import type { KumaMaintenance } from "./kuma-maintenance.js";

type Row = Record<string, unknown>;

export type KumaRead = { ok: true; backup: KumaBackup } | { ok: false; error: string };

const text = (value: unknown) => (typeof value === "string" ? value : undefined);
const num = (value: unknown) => (typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : undefined);
const bool = (value: unknown) => (value === null || value === undefined ? undefined : value === 1 || value === true || value === "1");

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== "string") return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

function monitorOf(row: Row): KumaMonitor {
  return {
    id: num(row.id), name: text(row.name), description: text(row.description), type: text(row.type), url: text(row.url),
    hostname: text(row.hostname), port: num(row.port), method: text(row.method), interval: num(row.interval), timeout: num(row.timeout),
    maxretries: num(row.maxretries), resendInterval: num(row.resend_interval), keyword: text(row.keyword), invertKeyword: bool(row.invert_keyword), jsonPath: text(row.json_path),
    jsonPathOperator: text(row.json_path_operator), expectedValue: text(row.expected_value),
    accepted_statuscodes: parseJson<string[]>(row.accepted_statuscodes_json, ["200-299"]), ignoreTls: bool(row.ignore_tls),
    maxredirects: num(row.maxredirects), upsideDown: bool(row.upside_down), expiryNotification: bool(row.expiry_notification),
    authMethod: text(row.auth_method), basic_auth_user: text(row.basic_auth_user), basic_auth_pass: text(row.basic_auth_pass),
    bearer_token: text(row.bearer_token), headers: text(row.headers), body: text(row.body), dns_resolve_server: text(row.dns_resolve_server),
    dns_resolve_type: text(row.dns_resolve_type), pushToken: text(row.push_token), active: bool(row.active), parent: num(row.parent),
    proxyId: num(row.proxy_id), conditions: parseJson<unknown[]>(row.conditions, []),
  };
}

function tableNames(db: Database.Database): Set<string> {
  return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((row) => row.name));
}

function read(db: Database.Database): KumaBackup {
  const tables = tableNames(db);
  const all = (table: string, sql = `SELECT * FROM "${table}"`): Row[] => (tables.has(table) ? (db.prepare(sql).all() as Row[]) : []);
  const monitors = all("monitor", 'SELECT * FROM monitor ORDER BY weight DESC, id').map(monitorOf);
  const byId = new Map(monitors.map((monitor) => [monitor.id, monitor]));
  for (const row of all("monitor_notification")) {
    const monitor = byId.get(num(row.monitor_id));
    if (monitor) monitor.notificationIDList = { ...monitor.notificationIDList, [String(row.notification_id)]: true };
  }
  if (tables.has("tag")) {
    for (const row of all("monitor_tag", 'SELECT monitor_tag.monitor_id, monitor_tag.value, tag.name FROM monitor_tag JOIN tag ON tag.id = monitor_tag.tag_id ORDER BY monitor_tag.id')) {
      const monitor = byId.get(num(row.monitor_id));
      if (monitor) monitor.tags = [...(monitor.tags ?? []), { name: text(row.name), value: text(row.value) }];
    }
  }
  const statusPages: KumaStatusPage[] = all("status_page", "SELECT id, slug, title FROM status_page ORDER BY id").map((page) => ({
    id: num(page.id), title: text(page.title), slug: text(page.slug),
    monitorIds: tables.has("group") && tables.has("monitor_group")
      ? (db.prepare('SELECT monitor_group.monitor_id FROM monitor_group JOIN "group" ON "group".id = monitor_group.group_id WHERE "group".status_page_id = ? ORDER BY "group".weight, monitor_group.weight').all(page.id) as Row[]).map((row) => num(row.monitor_id) ?? -1)
      : [],
  }));
  const notificationList: Notification[] = all("notification").map((row) => ({ id: num(row.id), name: text(row.name), config: text(row.config), active: bool(row.active), is_default: bool(row.is_default) }));
  const setting = all("setting", "SELECT value FROM setting WHERE key = 'tlsExpiryNotifyDays'")[0];
  const days = parseJson<unknown>(setting?.value, undefined);
  const maintenance: KumaMaintenance[] = all("maintenance", "SELECT * FROM maintenance ORDER BY id").map((row) => ({
    title: text(row.title), active: bool(row.active), strategy: text(row.strategy), cron: text(row.cron), duration: num(row.duration),
    timezone: text(row.timezone), start_date: text(row.start_date), end_date: text(row.end_date), interval_day: num(row.interval_day),
    monitorIds: [
      ...all("monitor_maintenance").filter((link) => link.maintenance_id === row.id).map((link) => num(link.monitor_id) ?? -1),
      ...all("maintenance_status_page").filter((link) => link.maintenance_id === row.id)
        .flatMap((link) => statusPages.find((page) => page.id === num(link.status_page_id))?.monitorIds ?? []),
    ],
  }));
  return {
    notificationList, monitorList: monitors, statusPages, maintenance,
    proxyList: all("proxy"),
    ...(Array.isArray(days) && days.every((day) => typeof day === "number") ? { tlsExpiryNotifyDays: days as number[] } : {}),
  };
}

/** Reads kuma.db without writing to it; a value, never a throw, for a file that is not Kuma's database. */
export function readKumaDatabase(file: string): KumaRead {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 5000 });
    if (!tableNames(db).has("monitor")) return { ok: false, error: `${file} is a SQLite database but not Uptime Kuma's: it has no monitor table. Give data/kuma.db from Kuma's data folder` };
    const snapshot = db.transaction(() => read(db!));
    return { ok: true, backup: snapshot() };
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "SQLITE_NOTADB") return { ok: false, error: `${file} is not a SQLite database (nor a JSON backup)` };
    if (code === "SQLITE_BUSY") return { ok: false, error: `${file} stayed locked by Uptime Kuma for 5 s; try again, or copy it with sqlite3 ${file} ".backup kuma-copy.db" and import the copy` };
    if (code.startsWith("SQLITE_CANTOPEN")) return { ok: false, error: `cannot open ${file} read-only (${code}). Kuma keeps it in WAL mode: a reader needs kuma.db-shm beside it, or a folder it may create it in. Run the import as a user that may write to that folder, or import a copy made with sqlite3 ${file} ".backup kuma-copy.db"` };
    return { ok: false, error: `cannot read ${file} as Uptime Kuma's database: ${(error as Error).message}` };
  } finally {
    db?.close();
  }
}
