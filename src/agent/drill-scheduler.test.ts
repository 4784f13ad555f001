// Scheduled drills on a fake clock: off without drill.schedule; with one, a drill at each cron time, and
// only while this agent leads (several agents on etcd).
import { describe, expect, it } from "vitest";
import type { ConfigDocument } from "../config/schema.js";
import { FakeClock } from "../engine/clock.js";
import { openStore } from "../store/db.js";
import { startDrillScheduler } from "./drill-scheduler.js";
import { silentLogger } from "./log.js";

function config(schedule: object | undefined): ConfigDocument {
  return { services: { app: schedule === undefined ? {} : { drill: { scenarios: {}, windows: [], schedule } } } } as unknown as ConfigDocument;
}

async function runFor(schedule: object | undefined, ms: number, start = Date.UTC(2026, 0, 5, 3, 0), acting?: (at: number) => boolean) {
  const clock = new FakeClock(start);
  const store = openStore(":memory:");
  const ran: Array<{ at: string; service: string | undefined; scenario: string }> = [];
  const scheduler = startDrillScheduler({
    configFile: "unused.yaml", env: {}, clock, store, config: () => config(schedule), log: silentLogger(),
    ...(acting ? { acting: () => acting(clock.now()) } : {}),
    drill: async (service, scenario) => void ran.push({ at: new Date(clock.now()).toISOString(), service, scenario }),
  });
  await clock.advance(ms);
  await scheduler.stop();
  store.close();
  return ran;
}

describe("the agent's drill scheduler", () => {
  it("runs no drill when no service sets drill.schedule", async () => {
    expect(await runFor(undefined, 8 * 86_400_000)).toEqual([]);
  });

  it("runs the service's drill at each cron time, with its scenario", async () => {
    const ran = await runFor({ cron: "0 4 * * *", timezone: "UTC", scenario: "kill-host" }, 2 * 86_400_000);
    expect(ran).toEqual([
      { at: "2026-01-05T04:00:00.000Z", service: "app", scenario: "kill-host" },
      { at: "2026-01-06T04:00:00.000Z", service: "app", scenario: "kill-host" },
    ]);
  });

  it("lets the due times pass while another agent leads, and drills again once this one leads", async () => {
    const leadsFrom = Date.UTC(2026, 0, 6, 12, 0);
    const ran = await runFor({ cron: "0 4 * * *", timezone: "UTC", scenario: "stop" }, 4 * 86_400_000, undefined, (at) => at >= leadsFrom);
    expect(ran).toEqual([
      { at: "2026-01-07T04:00:00.000Z", service: "app", scenario: "stop" },
      { at: "2026-01-08T04:00:00.000Z", service: "app", scenario: "stop" },
    ]);
  });
});
