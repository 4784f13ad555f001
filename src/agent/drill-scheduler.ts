// Scheduled drills in the agent: off unless a service sets `drill.schedule` (cron). On start it
// restores drills whose process died (a kill -9 of `understudy drill`, a reboot mid-drill); then, at
// each cron time, runs the same drill as `understudy drill SERVICE` (src/drill/open.ts) and logs the
// result. One drill at a time; a drill that is refused by its preconditions is logged, not retried.
// With several agents only the leader drills (`acting`): a follower lets each due time pass and says
// once why; restoring a drill whose process died here is done whatever the leadership, since the
// failure it caused is this agent's own doing.
import type { ConfigDocument } from "../config/schema.js";
import type { Clock, TimerHandle } from "../engine/clock.js";
import { DrillJournal } from "../drill/journal.js";
import { openDrills } from "../drill/open.js";
import type { Coordinator } from "../failover/coordinator.js";
import { ownerAlive } from "../drill/real-world.js";
import type { Scenario } from "../drill/config.js";
import type { Store } from "../store/db.js";
import { localTimeZone, parseCronSchedule } from "./backup-cron.js";
import type { Logger } from "./log.js";

export interface DrillSchedulerOptions {
  configFile: string;
  env: Readonly<Record<string, string | undefined>>;
  clock: Clock;
  store: Store;
  config: () => ConfigDocument;
  log: Logger;
  /** Whether this agent may act (the leader); default always. */
  acting?: () => boolean;
  /** The agent's coordinator: a drill's failover is fenced by the agent's own leadership. */
  coordinator?: Coordinator;
  /** Tests: stands in for the real drill (or the recovery, with service undefined). */
  drill?: (service: string | undefined, scenario: Scenario) => Promise<void>;
}

/** Re-read the config at least this often, so a reload's new schedule is picked up. */
const RECHECK_MS = 60_000;

export function startDrillScheduler(options: DrillSchedulerOptions): { stop(): Promise<void> } {
  const { clock, log } = options;
  const env = options.env as NodeJS.ProcessEnv;
  const due = new Map<string, { key: string; at: number }>();
  let timer: TimerHandle | undefined;
  let busy: Promise<void> = Promise.resolve();
  let stopped = false;
  let skippedSaid = false;

  const realDrill = async (service: string | undefined, scenario: Scenario) => {
    const drills = await openDrills(options.configFile, env, options.coordinator ? { coordinator: options.coordinator } : {});
    try {
      for (const settled of await drills.settle({ resumeFailovers: false })) log.warn({ event: "drill.recovered", drill: settled.id, service: settled.service }, `restored drill #${settled.id} of ${settled.service} left unfinished: ${settled.summary}`);
      if (service === undefined) return;
      const prepared = await drills.prepare({ service, scenario });
      const done = await prepared.run();
      log.info({ event: "drill.finished", drill: done.id, service, outcome: done.outcome }, `scheduled drill #${done.id} of ${service}: ${done.summary}`);
    } finally {
      await drills.close();
    }
  };
  const drillNow = options.drill ?? realDrill;
  const guarded = (service: string | undefined, scenario: Scenario = "stop") => {
    busy = busy.then(() => drillNow(service, scenario)).catch((error: unknown) => log.error({ event: "drill.error", service, err: error }, `drill${service ? ` of ${service}` : "s"} failed to run`));
    return busy;
  };

  const tick = () => {
    if (stopped) return;
    const now = clock.now();
    let next = now + RECHECK_MS;
    for (const [service, doc] of Object.entries(options.config().services)) {
      const schedule = doc.drill?.schedule;
      if (!schedule) {
        due.delete(service);
        continue;
      }
      const key = `${schedule.cron}@${schedule.timezone ?? ""}`;
      let entry = due.get(service);
      try {
        if (entry?.key !== key) entry = { key, at: parseCronSchedule(schedule.cron, schedule.timezone ?? localTimeZone()).next(now) };
      } catch (error) {
        log.error({ event: "drill.schedule", service, err: error }, `drill schedule of ${service}: ${(error as Error).message}`);
        continue;
      }
      if (entry.at <= now) {
        if (options.acting?.() ?? true) {
          skippedSaid = false;
          void guarded(service, schedule.scenario);
        } else if (!skippedSaid) {
          skippedSaid = true;
          log.info({ event: "drill.skipped", service }, `scheduled drill of ${service} not run: this agent is not the leader, and only the leader drills`);
        }
        entry = { key, at: parseCronSchedule(schedule.cron, schedule.timezone ?? localTimeZone()).next(now) };
      }
      due.set(service, entry);
      next = Math.min(next, entry.at);
    }
    timer = clock.setTimeout(tick, Math.max(1_000, next - now));
  };

  // Opening the drill machinery costs a dispatcher and a second store connection: only when needed.
  if (new DrillJournal(options.store).unfinished().some((drill) => !ownerAlive(drill.owner))) void guarded(undefined);
  tick();
  return {
    async stop() {
      stopped = true;
      clock.clearTimeout(timer);
      await busy;
    },
  };
}
