// The `drill:` block of a service: how `understudy drill` causes a failure of its primary and undoes
// it, how it checks the standby has the last write, when drills are allowed, and when the agent runs
// one by itself (never, unless `schedule` is set). src/config/schema.ts takes `drillSchema` from here.
import { z } from "zod";
import { durationSchema } from "../config/duration.js";
import { actionSchema } from "../failover/config.js";
import { argvSchema } from "../probes/command-expect.js";

export const SCENARIOS = ["stop", "kill-host", "partition", "slow"] as const;
export type Scenario = (typeof SCENARIOS)[number];

const scenarioSchema = z
  .strictObject({
    inject: actionSchema.describe("Causes the failure (ssh, command or webhook); UNDERSTUDY_STEP is drill-inject."),
    restore: actionSchema.optional().describe("Undoes it (start the unit, power the host on, heal the partition). Run even when the drill is aborted, and on the next start after a crash."),
  })
  .describe("How to cause this failure and how to undo it.");

const windowSchema = z
  .strictObject({
    cron: z.string().optional().describe('Each window\'s start as cron ("0 3 * * 0": Sundays at 03:00, in timezone).'),
    duration: durationSchema.optional().describe("How long each window lasts."),
    start: z.string().optional().describe('A one-off window\'s start, "YYYY-MM-DDTHH:MM" in timezone.'),
    end: z.string().optional(),
    timezone: z.string().default("UTC"),
  })
  .describe("A time a drill may run in (cron + duration, or start + end/duration), as maintenance windows are written.");

export const drillSchema = z
  .strictObject({
    scenarios: z
      .partialRecord(z.enum(SCENARIOS), scenarioSchema)
      .default({})
      .describe("Per scenario, the inject and restore actions. stop defaults to the failover's fence (inject) and promote run on the primary (restore); the others must be given."),
    probe_write: argvSchema.optional().describe("Writes a marker row on the primary just before the failure; gets UNDERSTUDY_MARKER, UNDERSTUDY_HOST, UNDERSTUDY_ADDRESS. What it prints (last line) is handed to probe_read as UNDERSTUDY_WRITTEN."),
    probe_read: argvSchema.optional().describe("Asks the standby serving after the failover whether it has the marker: exit 0 yes, exit 1 no (data lost), anything else unknown."),
    windows: z.array(windowSchema).default([]).describe("Drills run only inside one of these; none: any time."),
    deadline: durationSchema.optional().describe("Abort and restore when the standby is not serving this long after the failure (default: 3 × target.rto, at least 2m)."),
    schedule: z
      .strictObject({
        cron: z.string().describe('When the agent runs a drill ("0 4 * * 0": Sundays at 04:00).'),
        timezone: z.string().optional().describe("IANA zone of the cron (default: the agent host's)."),
        scenario: z.enum(SCENARIOS).default("stop"),
      })
      .optional()
      .describe("Scheduled drills in the agent; off unless set."),
  })
  .describe("Drills: cause a failure of the primary, measure the failover against the target, check the standby's data, restore.");

export type DrillDocument = z.output<typeof drillSchema>;
export type DrillWindow = DrillDocument["windows"][number];

export const MIN_DEADLINE_MS = 2 * 60_000;

/** The deadline after the injection: the configured one, or three times the target RTO (at least 2 minutes). */
export function drillDeadlineMs(block: DrillDocument | undefined, targetRtoMs: number | undefined): number {
  if (block?.deadline !== undefined) return block.deadline;
  return Math.max(MIN_DEADLINE_MS, 3 * (targetRtoMs ?? 0));
}
