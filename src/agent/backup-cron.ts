// When a backup schedule next fires: cron evaluated on the wall time of an IANA zone, as a person
// reading "0 3 * * *" expects. cron-parser's own `tz` mode skips occurrences that fall in the
// spring-forward gap, so (as maintenance.ts does for windows) cron runs on wall times and each wall
// time is turned into instants here:
//   - in the gap (02:30 on the night 02:00 → 03:00), a job runs once the gap is over (03:30);
//   - in the repeated autumn hour, a job at a fixed hour runs once, at the first 02:30, while a job that
//     runs every hour ("*/15 * * * *") runs through both passes, so it never pauses for an hour.
// Pure: no clock, no timers.
import { createRequire } from "node:module";
import type { CronExpressionParser as Parser } from "cron-parser";
import { instantsOf, wallOf, zoneFormatter } from "../engine/wall-time.js";

// Loaded on the first parse, not with the module: the push check's schema parses a schedule while a
// config is validated, and `validate`/`analyze` load no package only the agent needs (startup.test.ts).
let parser: typeof Parser | undefined;
const cronParser = (): typeof Parser => (parser ??= (createRequire(import.meta.url)("cron-parser") as { CronExpressionParser: typeof Parser }).CronExpressionParser);

const HOUR = 3_600_000;

export interface CronSchedule {
  readonly expression: string;
  readonly timeZone: string;
  /** The first run strictly after `after` (ms since the epoch). */
  next(after: number): number;
}

const offsetAt = (at: number, zone: Intl.DateTimeFormat) => wallOf(at, zone) - at;

/** Throws with cron-parser's reason for an expression it cannot read, or a zone Intl does not know. */
export function parseCronSchedule(expression: string, timeZone: string): CronSchedule {
  let zone: Intl.DateTimeFormat;
  try {
    zone = zoneFormatter(timeZone);
  } catch {
    throw new Error(`unknown time zone "${timeZone}"; use an IANA name such as "Europe/Berlin" or "UTC"`);
  }
  let parsed: ReturnType<typeof Parser.parse>;
  try {
    parsed = cronParser().parse(expression, { tz: "UTC" });
  } catch (error) {
    throw new Error(`cron "${expression}" is not valid (${(error as Error).message})`, { cause: error });
  }
  const everyHour = parsed.fields.hour.values.length === 24;

  const next = (after: number): number => {
    // An instant after `after` can show an earlier wall time only when the clocks go back within the
    // next hour or two; only then does the search start that much earlier.
    const fallBack = Math.max(0, offsetAt(after, zone) - offsetAt(after + 2 * HOUR, zone));
    const walls = cronParser().parse(expression, { currentDate: new Date(wallOf(after, zone) - fallBack - 1), tz: "UTC" });
    let best: number | undefined;
    for (let i = 0; i < 100_000; i++) {
      const wall = walls.next().getTime();
      // Past the best candidate's wall time (and any fall-back), no later wall time maps to an earlier instant.
      if (best !== undefined && wall > wallOf(best, zone) + Math.max(0, offsetAt(after, zone) - offsetAt(best, zone))) return best;
      const { instants } = instantsOf(wall, zone);
      const candidates = everyHour ? instants : instants.slice(0, 1);
      for (const at of candidates) if (at > after && (best === undefined || at < best)) best = at;
    }
    if (best !== undefined) return best;
    throw new Error(`bug: cron "${expression}" has no next run after ${new Date(after).toISOString()}`);
  };
  return { expression, timeZone, next };
}

/** The agent host's own zone: what cron itself would use when the config names none. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
