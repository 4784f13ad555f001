// The conformance suite every hosted notifier kind of issue 19 runs against its local provider
// stand-in: a valid request and its success answer, a resolution and a bare message, 429 with the
// provider's wait, 5xx, the provider's own 4xx text, and wrong credentials, with no secret in any reason.
import { afterEach, describe, expect, it } from "vitest";
import { readSecret } from "../../../src/config/secret.js";
import type { Notification, NotifierKind, SendContext } from "../../../src/notify/notifier.js";
import { startFakeProvider } from "./fake-providers.js";
import type { FakeProvider, ProviderContract, RecordedRequest } from "./fake-providers.js";

export const incident: Notification = {
  key: "incident:42",
  event: "opened",
  severity: "critical",
  title: `headscale down on L001 <primary> & "no standby"`,
  body: "3 of 3 vantage points agree.\nBlast radius: mesh, nginx & forgejo <all>.",
  url: "http://127.0.0.1:8470/incidents/42?tab=timeline&x=1",
  at: Date.UTC(2025, 0, 2, 3, 4, 5),
  fields: { root: "L001", children: 3 },
};

let servers: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** Starts a provider stand-in that is closed after the test. */
export async function serve(contract: ProviderContract): Promise<FakeProvider> {
  const server = await startFakeProvider(contract);
  servers.push(server);
  return server;
}

export function send(kind: NotifierKind, spec: unknown, n: Notification, env: Record<string, string>) {
  const ctx: SendContext = { signal: AbortSignal.timeout(5_000), secret: (ref) => readSecret(ref, { ...env }) };
  return kind.send(kind.schema.parse(spec), n, ctx);
}

export interface HostedCase {
  provider: string;
  kind: NotifierKind;
  start(): Promise<{ server: FakeProvider; spec: unknown; env: Record<string, string>; badEnv: Record<string, string> }>;
  /** What the provider's 429 says about waiting; "none" when the provider never answers 429. */
  retryAfterMs: number | undefined | "none";
  /** Words of the provider's own error text, expected in the reason of a 400. */
  errorText: string;
  expectRequest(req: RecordedRequest): void;
}

export function describeHostedKind(c: HostedCase): void {
  describe(`${c.kind.kind} (against a local server that checks ${c.provider}'s documented API)`, () => {
    it("sends a request that follows the documented API and reads the success answer", async () => {
      const { server, spec, env } = await c.start();
      await expect(send(c.kind, spec, incident, env)).resolves.toEqual({ ok: true });
      expect(server.violations).toEqual([]);
      expect(server.requests).toHaveLength(1);
      c.expectRequest(server.requests[0]!);
    });

    it("sends a valid resolution and a valid message without link or fields", async () => {
      const { server, spec, env } = await c.start();
      await expect(send(c.kind, spec, { ...incident, event: "resolved", title: "Resolved: headscale", url: undefined, fields: {} }, env)).resolves.toEqual({ ok: true });
      await expect(send(c.kind, spec, { ...incident, severity: "low", body: "", url: undefined, fields: {} }, env)).resolves.toEqual({ ok: true });
      expect(server.violations).toEqual([]);
    });

    if (c.retryAfterMs !== "none") {
      const retryAfterMs = c.retryAfterMs;
      it("treats a 429 as retryable and honours the provider's wait", async () => {
        const { server, spec, env } = await c.start();
        server.answer("rate-limited");
        const result = await send(c.kind, spec, incident, env);
        expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/^HTTP 429/) as unknown });
        expect(result.ok ? undefined : result.retryAfterMs).toBe(retryAfterMs);
      });
    }

    it("treats a 5xx as retryable", async () => {
      const { server, spec, env } = await c.start();
      server.answer("server-error");
      expect(await send(c.kind, spec, incident, env)).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/^HTTP 502/) as unknown });
    });

    it("reports the provider's error text for a 4xx as permanent, without secrets", async () => {
      const { server, spec, env } = await c.start();
      server.answer("bad-request");
      const result = await send(c.kind, spec, incident, env);
      expect(result).toMatchObject({ ok: false, retryable: false });
      const reason = result.ok ? "" : result.reason;
      expect(reason).toContain(c.errorText);
      for (const value of Object.values(env)) expect(reason).not.toContain(value);
    });

    it("fails permanently on wrong credentials without echoing them", async () => {
      const { server, spec, badEnv } = await c.start();
      const result = await send(c.kind, spec, incident, badEnv);
      expect(result).toMatchObject({ ok: false, retryable: false });
      for (const value of Object.values(badEnv)) expect(result.ok ? "" : result.reason).not.toContain(value);
      expect(server.violations).toEqual([]);
    });
  });
}

