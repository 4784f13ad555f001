// The ping kind running the system ping (iputils) against 127.0.0.1, and against a name that does
// not resolve. Loss and round-trip thresholds are covered by the parser's unit tests.
import { afterEach, describe, expect, it } from "vitest";
import { ping } from "../../src/probes/ping.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { requireBinaries } from "./helpers/binaries.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown): Promise<ProbeResult> {
  const context = probeContext({ timeoutMs: 5_000 });
  contexts.push(context);
  return ping.run(ping.schema.parse(input), context.ctx);
}

describe.skipIf(!requireBinaries("iputils-ping", "ping"))("ping probe with the system ping", () => {
  it("gets every reply from 127.0.0.1 and reports the round trip", async () => {
    const result = await probe({ host: "127.0.0.1", count: 2 });
    expect(result).toMatchObject({ ok: true, details: { transmitted: 2, received: 2, loss_percent: 0 } });
    expect(result.details?.avg_rtt_ms).toEqual(expect.any(Number));
    expect(result.message).toMatch(/^ping 127\.0\.0\.1 got 2\/2 replies \(0% loss, average [\d.]+ ms\)\.$/);
  });

  it("accepts the shorthand host", async () => {
    expect(await probe("127.0.0.1")).toMatchObject({ ok: true, details: { transmitted: 3 } });
  });

  it("reports ping's own complaint for a name that does not resolve", async () => {
    const result = await probe("does-not-exist.invalid");
    expect(result).toMatchObject({ ok: false, reason: "dns" });
    expect(result.message).toContain("does-not-exist.invalid");
  });
});
