// Maintenance windows: when is a host or service expected to be down on purpose? Incidents opened in
// a window are still recorded, marked silenced, so the notifiers skip them.
//
// Times in the config are local to the window's IANA time zone. A one-off `start` without an offset
// is a wall time there ("2026-12-01T02:00" in Europe/Berlin); a recurring window starts at each cron
// occurrence of local wall time. Around DST we follow what people expect of cron: a start inside the
// spring-forward gap (02:30 on the night clocks jump 02:00 → 03:00) happens once the gap is over
// (03:30 local, as Temporal's "compatible" rule does), and a start in the repeated autumn hour happens
// once, at its first occurrence. cron-parser's own `tz` mode skips gap occurrences altogether (a
// window that silently never comes), so cron is evaluated on wall times and converted here.
// Durations are real elapsed time: a 2h window across a DST change lasts two hours.
import { CronExpressionParser } from "cron-parser";
import type { Topology } from "../model/topology.js";
import { instantsOf, wallOf, zoneFormatter } from "./wall-time.js";

type WindowDocument = Topology["maintenance"][number];

export interface MaintenanceScope {
  host?: string | undefined;
  service?: string | undefined;
}

interface CompiledWindow {
  readonly name: string;
  readonly covers: (scope: MaintenanceScope) => boolean;
  readonly activeAt: (at: number) => boolean;
  /** The window's spans [start, end) that overlap [from, to), oldest first (at most `limit`). */
  readonly spans: (from: number, to: number, limit: number) => MaintenanceSpan[];
}

export interface MaintenanceSpan {
  readonly start: number;
  readonly end: number;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** The instant a wall time (as-if-UTC milliseconds) happens in the zone: the first, or just past a gap. */
export function instantOfWall(wall: number, zone: Intl.DateTimeFormat): number {
  return instantsOf(wall, zone).instants[0]!;
}

function localInstant(text: string, timeZone: string, zone: Intl.DateTimeFormat, what: string): number {
  const match = LOCAL.exec(text);
  if (!match) {
    // An explicit offset or "Z" names the instant itself.
    const at = Date.parse(text);
    if (Number.isNaN(at) || !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) throw new Error(`${what} "${text}" is not an ISO 8601 time ("2026-12-01T02:00", local to ${timeZone})`);
    return at;
  }
  const [, y, mo, d, h, mi, s] = match;
  return instantOfWall(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)), zone);
}

function compile(window: WindowDocument): CompiledWindow {
  const where = `maintenance window "${window.name}"`;
  let zone: Intl.DateTimeFormat;
  try {
    zone = zoneFormatter(window.timezone);
  } catch {
    throw new Error(`${where}: unknown time zone "${window.timezone}"; use an IANA name such as "Europe/Berlin" or "UTC"`);
  }
  const hosts = new Set(window.hosts);
  const services = new Set(window.services);
  const everything = hosts.size === 0 && services.size === 0;
  const covers = (scope: MaintenanceScope) =>
    everything || (scope.host !== undefined && hosts.has(scope.host)) || (scope.service !== undefined && services.has(scope.service));

  if (window.cron !== undefined) {
    if (window.start !== undefined || window.end !== undefined) throw new Error(`${where}: give either cron + duration or start + end/duration, not both`);
    if (window.duration === undefined) throw new Error(`${where}: a recurring window needs a duration ("2h")`);
    const duration = window.duration;
    const expression = window.cron;
    try {
      CronExpressionParser.parse(expression, { tz: "UTC" });
    } catch (error) {
      throw new Error(`${where}: cron "${expression}" is not valid (${(error as Error).message})`, { cause: error });
    }
    const activeAt = (at: number) => {
      // The last two starts at or before now, by wall time; two, because a gap can push the last one past now.
      const wallNow = wallOf(at, zone);
      const occurrences = CronExpressionParser.parse(expression, { currentDate: new Date(wallNow + 1000), tz: "UTC" });
      for (let i = 0; i < 2; i++) {
        const start = instantOfWall(occurrences.prev().getTime(), zone);
        if (start <= at && at < start + duration) return true;
      }
      return false;
    };
    const spans = (from: number, to: number, limit: number) => {
      // Starts from one duration before `from` (a window begun then is still on), by wall time.
      const occurrences = CronExpressionParser.parse(expression, { currentDate: new Date(wallOf(from - duration, zone) - 1000), tz: "UTC" });
      const found: MaintenanceSpan[] = [];
      let previous = -Infinity;
      while (found.length < limit) {
        const start = instantOfWall(occurrences.next().getTime(), zone);
        if (start >= to) break;
        // The repeated autumn hour gives one wall time twice: it starts once.
        if (start <= previous) continue;
        previous = start;
        if (start + duration > from) found.push({ start, end: start + duration });
      }
      return found;
    };
    return { name: window.name, covers, activeAt, spans };
  }
  if (window.start === undefined) throw new Error(`${where}: give start (with end or duration) or cron with duration`);
  const start = localInstant(window.start, window.timezone, zone, `${where}: start`);
  const end = window.end !== undefined ? localInstant(window.end, window.timezone, zone, `${where}: end`)
    : window.duration !== undefined ? start + window.duration : undefined;
  if (end === undefined) throw new Error(`${where}: a one-off window needs end or duration`);
  if (end <= start) throw new Error(`${where}: end must come after start`);
  return { name: window.name, covers, activeAt: (at) => start <= at && at < end, spans: (from, to) => (start < to && end > from ? [{ start, end }] : []) };
}

/** The maintenance windows of a topology; throws at construction on a window that cannot be understood. */
export class MaintenanceSchedule {
  private readonly windows: readonly CompiledWindow[];

  constructor(windows: Topology["maintenance"]) {
    this.windows = windows.map(compile);
  }

  /** The names of the windows covering the scope at the instant. */
  activeWindows(at: number, scope: MaintenanceScope = {}): string[] {
    return this.windows.filter((window) => window.covers(scope) && window.activeAt(at)).map((window) => window.name);
  }

  /** The windows covering the scope with their spans overlapping [from, to), each span once. */
  spansBetween(from: number, to: number, scope: MaintenanceScope = {}, limit = 20): Array<{ name: string } & MaintenanceSpan> {
    return this.windows.filter((window) => window.covers(scope)).flatMap((window) => window.spans(from, to, limit).map((span) => ({ name: window.name, ...span })));
  }

  isInMaintenance(at: number, scope: MaintenanceScope = {}): boolean {
    return this.activeWindows(at, scope).length > 0;
  }
}
