// Uptime Kuma's maintenance windows (the database's maintenance rows, as server/model/maintenance.js keeps
// them: a strategy, and for the recurring ones the cron Kuma generated, a duration in seconds and a time
// zone) → the config's maintenance windows over the imported services. Every window lands in the report.
import { CronExpressionParser } from "cron-parser";
import type { ConfigBuilder } from "./builder.js";
import { secondsToDuration } from "./status.js";

export interface KumaMaintenance {
  title?: string;
  active?: boolean;
  strategy?: string;
  cron?: string;
  /** Seconds. */
  duration?: number;
  timezone?: string;
  start_date?: string;
  end_date?: string;
  interval_day?: number;
  /** The monitors it covers: its own and those of the status pages it is shown on. */
  monitorIds: number[];
}

function cronIsValid(cron: string): boolean {
  try {
    CronExpressionParser.parse(cron);
    return true;
  } catch {
    return false;
  }
}

/** "2026-12-01 02:00:00" → "2026-12-01T02:00", the config's local date and time. */
function wall(text: string | undefined): string | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})/.exec(text ?? "");
  return match ? `${match[1]}T${match[2]}` : undefined;
}

export function mapMaintenance(windows: readonly KumaMaintenance[], serviceOf: ReadonlyMap<number, string>, out: ConfigBuilder): void {
  for (const window of windows) {
    const item = `maintenance "${window.title ?? "?"}" (${window.strategy ?? "no strategy"})`;
    if (window.active === false) {
      out.mapped(item, "inactive in Uptime Kuma; not imported");
      continue;
    }
    const services = [...new Set(window.monitorIds.map((id) => serviceOf.get(id)).filter((name): name is string => name !== undefined))];
    // An empty list would cover everything in Understudy; in Kuma it covered nothing imported.
    if (services.length === 0) {
      out.skip(item, "it covers no imported monitor");
      continue;
    }
    const known = window.timezone && window.timezone !== "SAME_AS_SERVER";
    const timezone = known ? window.timezone! : "UTC";
    const name = `kuma-${out.maintenance.length + 1}`;
    if (window.strategy === "single") {
      const start = wall(window.start_date);
      const end = wall(window.end_date);
      if (!start || !end) {
        out.skip(item, "a single window without both a start and an end date");
        continue;
      }
      out.maintenance.push({ name, services, start, end, timezone });
    } else if (window.strategy === "manual") {
      out.skip(item, "Understudy has no window switched on and off by hand; write one with start and end when you need it");
      continue;
    } else {
      const cron = (window.cron ?? "").trim().replace(/\s+/g, " ");
      if (!cron || !cronIsValid(cron) || !window.duration) {
        out.skip(item, `its schedule (cron "${window.cron ?? ""}", ${window.duration ?? 0} s) is not one Understudy can read`);
        continue;
      }
      out.maintenance.push({ name, services, cron, duration: secondsToDuration(window.duration), timezone });
      if (window.strategy === "recurring-interval" && (window.interval_day ?? 1) > 1) {
        out.approx(`${item}: every ${window.interval_day} days`, "the window recurs every day at that time: cron cannot count days from a start");
      }
    }
    if (!known) out.approx(`${item}: time zone`, `"same as server" in Kuma; written as UTC: set the server's zone in maintenance ${name}`);
    out.mapped(item, `maintenance ${name} on ${services.join(", ")}`);
  }
}
