// The agent's backups with several agents: only the leader's scheduler takes scheduled backups; a
// follower plans none (and raises no stale-backup alert of backups it does not take), and an agent
// that becomes the leader starts the schedule on its own (jobs stand in for the real ones).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import { FakeClock } from "../engine/clock.js";
import { z } from "zod";
import { Dispatcher } from "../notify/dispatcher.js";
import { defineNotifier, type Notification } from "../notify/notifier.js";
import { openStore } from "../store/db.js";
import { startAgentBackups } from "./backup-agent.js";
import type { BackupJobs } from "./backup-jobs.js";
import { headscaleData, headscaleYaml } from "./backup-test-fixture.js";
import { silentLogger } from "./log.js";

const MINUTE = 60_000;

describe("scheduled backups and leadership", () => {
  it("a follower takes no scheduled backup; once it leads, the schedule runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "understudy-backup-agent-"));
    await headscaleData(dir);
    const loaded = parseConfig(headscaleYaml(dir, 'backup: { to: nas, schedule: "*/5 * * * *", max_age: 10m }'), "understudy.yaml");
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.diagnostics));
    const clock = new FakeClock(Date.parse("2026-01-05T10:00:00Z"));
    const store = openStore(":memory:");
    const sent: Notification[] = [];
    const recorder = defineNotifier({ kind: "record", schema: z.object({}), describe: () => "records", send: (_spec, n) => (sent.push(n), Promise.resolve({ ok: true as const })) });
    const dispatcher = new Dispatcher({ notifiers: [{ kind: recorder, spec: {} }], clock, timers: clock });
    const calls: number[] = [];
    const jobs: BackupJobs = {
      backup: async () => (calls.push(clock.now()), { ok: true, message: "stored", snapshotId: "s", bytes: 1 }),
      replicate: async () => [],
      restoreTest: async () => ({ ok: true, message: "restored" }),
    };
    let leading = false;
    const backups = startAgentBackups({
      clock, store, registry: new Registry(), dataDir: join(dir, "state"), env: {}, log: silentLogger(), timeZone: "UTC",
      config: () => loaded.config, dispatcher: () => dispatcher, secret: async (ref) => ref, beat: () => false, jobs,
      acting: () => leading,
    });
    try {
      await clock.advance(30 * MINUTE);
      expect(calls).toEqual([]);
      await dispatcher.idle();
      expect(sent.map((n) => n.title)).toEqual([]);

      leading = true;
      await clock.advance(30 * MINUTE);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((at) => at >= Date.parse("2026-01-05T10:30:00Z"))).toBe(true);
    } finally {
      await backups.stop();
      await dispatcher.stop();
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
