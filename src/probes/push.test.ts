import { describe, expect, it } from "vitest";
import { InMemoryPushRegistry, push } from "./push.js";
import type { ProbeContext } from "./probe.js";
import { readSecret } from "../config/secret.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

const HOUR = 3_600_000;
const START = Date.parse("2025-01-01T03:00:00Z");

function context(now: number, heartbeats?: InMemoryPushRegistry, env: NodeJS.ProcessEnv = {}): ProbeContext {
  return { signal: new AbortController().signal, timeoutMs: 1_000, now: () => now, secret: (ref) => readSecret(ref, env), ...(heartbeats ? { heartbeats } : {}) };
}

describe("push probe", () => {
  const spec = push.schema.parse({ token: "nightly-backup", period: "1d", grace: "1h" });

  it("passes within period plus grace and fails after, with a fake clock", async () => {
    const registry = new InMemoryPushRegistry();
    registry.beat("nightly-backup", START);
    const fresh = await push.run(spec, context(START + 24 * HOUR, registry));
    expect(fresh).toMatchObject({ ok: true, message: "push nightly-backup called in 1d ago, within 1d1h.", details: { silence_ms: 24 * HOUR } });
    const late = await push.run(spec, context(START + 25 * HOUR + 1_000, registry));
    expect(late).toMatchObject({ ok: false, reason: "silent" });
    expect(late.message).toBe("push nightly-backup last called in 1d1h1s ago, longer than the allowed 1d1h (period 1d + grace 1h).");
  });

  it("does not fail a token before period plus grace has passed since the agent first knew it", async () => {
    const registry = new InMemoryPushRegistry();
    registry.know("nightly-backup", START);
    const early = await push.run(spec, context(START + 45_000, registry));
    expect(early).toMatchObject({ ok: true, details: { known_since: new Date(START).toISOString(), silence_ms: 45_000 } });
    expect(early.message).toBe("push nightly-backup has not called in yet; the first heartbeat is due within 1d59m15s (period 1d + grace 1h from 45s ago, when this agent first knew it).");
    expect(await push.run(spec, context(START + 25 * HOUR, registry))).toMatchObject({ ok: true });
    // Known again later (a reload, a restart): the wait is not restarted.
    registry.know("nightly-backup", START + 20 * HOUR);
    const late = await push.run(spec, context(START + 25 * HOUR + 1_000, registry));
    expect(late).toMatchObject({ ok: false, reason: "never" });
    expect(late.message).toBe("push nightly-backup has not called in since this agent first knew it, 1d1h1s ago; expected a heartbeat every 1d.");
  });

  it("fails when the token never called in, and when no receiver runs", async () => {
    expect(await push.run(spec, context(START, new InMemoryPushRegistry()))).toMatchObject({ ok: false, reason: "never" });
    expect(await push.run(spec, context(START))).toMatchObject({ ok: false, reason: "error" });
  });

  it("keys a secret token by its value but shows only the reference", async () => {
    const secretSpec = push.schema.parse({ token: "env:PUSH_TOKEN", period: "5m" });
    const registry = new InMemoryPushRegistry();
    registry.beat("Zq9-unguessable", START);
    const result = await push.run(secretSpec, context(START + 60_000, registry, { PUSH_TOKEN: "Zq9-unguessable" }));
    expect(result).toMatchObject({ ok: true });
    expect(JSON.stringify(result)).not.toContain("Zq9");
    expect(push.describe(secretSpec)).toBe("push env:PUSH_TOKEN every 5m");
  });

  it("never moves the last beat backwards", () => {
    const registry = new InMemoryPushRegistry();
    registry.beat("t", START);
    registry.beat("t", START - HOUR);
    expect(registry.lastSeen("t")).toBe(START);
  });

  it("explains bad input", () => {
    expect(push.schema.parse({ token: "t", period: "1h" }).grace).toBe(300_000);
    expect(zodMessages(push.schema, { token: "has spaces", period: "1h" })).toContain('token: expected a plain id (letters, digits, "-", "_") or a secret reference "env:NAME" / "file:/path"');
    expect(zodMessages(push.schema, { token: "t" })[0]).toMatch(/^period: /);
    expect(zodMessages(push.schema, { token: "t", period: "1d", schedule: "0 3 * * *" })).toEqual(["schedule: give either period or schedule, not both"]);
    expect(zodMessages(push.schema, { token: "t", schedule: "0 3 * *x *" })[0]).toMatch(/^schedule: cron "0 3 \* \*x \*" is not valid/);
    expect(zodMessages(push.schema, { token: "t", schedule: "0 3 * * *", timezone: "Mars/Olympus" })).toEqual(['timezone: unknown time zone "Mars/Olympus"; use an IANA name such as "Europe/Berlin" or "UTC"']);
  });
});

describe("push probe: healthchecks.io's signals (fail, start) and cron schedules, with a fake clock", () => {
  const MINUTE = 60_000;
  const spec = push.schema.parse({ token: "nightly", period: "1d", grace: "30m" });

  it("a /fail is down at once (conclusive, whatever failure_threshold), with the body's last line as the reason, until the next success", async () => {
    const registry = new InMemoryPushRegistry();
    registry.beat("nightly", START);
    registry.signal("nightly", { kind: "fail", at: START + HOUR, body: "rsync: sending files\nrsync: write failed: No space left on device (28)\n" });
    const failure = await push.run(spec, context(START + HOUR + 5_000, registry));
    expect(failure).toMatchObject({ ok: false, reason: "fail", conclusive: true, message: "push nightly reported a failure 5s ago: rsync: write failed: No space left on device (28)." });
    // Well within period + grace: a failure is not forgiven by time.
    expect(await push.run(spec, context(START + 2 * HOUR, registry))).toMatchObject({ ok: false, reason: "fail" });
    registry.signal("nightly", { kind: "fail", at: START + 3 * HOUR, body: "" });
    expect((await push.run(spec, context(START + 3 * HOUR, registry))).message).toBe("push nightly reported a failure 0ms ago (the request had no body to say why).");
    registry.beat("nightly", START + 4 * HOUR);
    expect(await push.run(spec, context(START + 4 * HOUR + MINUTE, registry))).toMatchObject({ ok: true, message: "push nightly called in 1m ago, within 1d30m." });
    // A failure delivered late (sent before the success) changes nothing.
    registry.signal("nightly", { kind: "fail", at: START + 4 * HOUR - 1, body: "old" });
    expect(await push.run(spec, context(START + 4 * HOUR + MINUTE, registry))).toMatchObject({ ok: true });
  });

  it("a /start without an end within grace fails; an end measures the run's duration", async () => {
    const registry = new InMemoryPushRegistry();
    registry.beat("nightly", START);
    registry.signal("nightly", { kind: "start", at: START + 24 * HOUR, body: "" });
    const running = await push.run(spec, context(START + 24 * HOUR + 10 * MINUTE, registry));
    expect(running).toMatchObject({ ok: true, message: "push nightly called in 1d10m ago, within 1d30m; a run started 10m ago." });
    const stuck = await push.run(spec, context(START + 24 * HOUR + 31 * MINUTE, registry));
    expect(stuck).toMatchObject({ ok: false, reason: "unfinished", message: "push nightly started 31m ago and has not reported its end (success or failure) within grace 30m." });
    expect(stuck.conclusive).toBeUndefined();
    registry.beat("nightly", START + 24 * HOUR + 42 * MINUTE);
    const done = await push.run(spec, context(START + 24 * HOUR + 43 * MINUTE, registry));
    expect(done).toMatchObject({ ok: true, message: "push nightly called in 1m ago, within 1d30m; the last run took 42m.", details: { last_duration_ms: 42 * MINUTE } });
  });

  it("a start fails at start + grace even when the period's deadline is later (healthchecks.io: min of both)", async () => {
    const registry = new InMemoryPushRegistry();
    registry.beat("nightly", START);
    registry.signal("nightly", { kind: "start", at: START + HOUR, body: "" });
    expect(await push.run(spec, context(START + HOUR + 30 * MINUTE, registry))).toMatchObject({ ok: true });
    expect(await push.run(spec, context(START + HOUR + 30 * MINUTE + 1, registry))).toMatchObject({ ok: false, reason: "unfinished" });
  });

  it("with a schedule, a beat is due at the first cron time after the last one, in the schedule's time zone, late after grace", async () => {
    const cron = push.schema.parse({ token: "nightly", schedule: "0 3 * * *", timezone: "Europe/Berlin", grace: "1h" });
    expect(push.describe(cron)).toBe('push nightly on "0 3 * * *" (Europe/Berlin)');
    const registry = new InMemoryPushRegistry();
    // Berlin is UTC+1 in January: 03:00 there is 02:00 UTC.
    const ran = Date.parse("2025-01-10T02:04:00Z");
    registry.beat("nightly", ran);
    const nextDay = Date.parse("2025-01-11T02:00:00Z");
    const ok = await push.run(cron, context(nextDay + 59 * MINUTE, registry));
    expect(ok).toMatchObject({ ok: true, message: 'push nightly called in 1d55m ago; the next run is due at 2025-01-11 03:00 Europe/Berlin ("0 3 * * *"), with grace 1h.', details: { due_at: "2025-01-11T02:00:00.000Z" } });
    const late = await push.run(cron, context(nextDay + HOUR + 1, registry));
    expect(late).toMatchObject({ ok: false, reason: "silent", message: 'push nightly last called in 1d56m ago; a run was due at 2025-01-11 03:00 Europe/Berlin ("0 3 * * *"), and grace 1h has passed since.' });
    // In July Berlin is UTC+2: the same schedule is due at 01:00 UTC.
    registry.beat("nightly", Date.parse("2025-07-10T01:30:00Z"));
    expect(await push.run(cron, context(Date.parse("2025-07-11T02:00:00Z"), registry))).toMatchObject({ ok: true, details: { due_at: "2025-07-11T01:00:00.000Z" } });
    expect(await push.run(cron, context(Date.parse("2025-07-11T02:00:01Z"), registry))).toMatchObject({ ok: false, reason: "silent" });
  });

  it("with a schedule, a new token is not failed before the first scheduled time after the agent knew it, plus grace", async () => {
    const cron = push.schema.parse({ token: "weekly", schedule: "30 4 * * 0", grace: "15m" });
    const registry = new InMemoryPushRegistry();
    const known = Date.parse("2025-01-06T12:00:00Z"); // a Monday
    registry.know("weekly", known);
    const sunday = Date.parse("2025-01-12T04:30:00Z");
    expect(await push.run(cron, context(sunday + 15 * MINUTE, registry))).toMatchObject({ ok: true, message: expect.stringContaining("has not called in yet; the next run is due at 2025-01-12 04:30 UTC") });
    expect(await push.run(cron, context(sunday + 15 * MINUTE + 1, registry))).toMatchObject({ ok: false, reason: "never" });
  });
});
