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
  });
});
