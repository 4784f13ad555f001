// PagerDuty (Events API v2) and Opsgenie (Alert API), each against a local server that checks that
// provider's documented API (helpers/fake-alerting-providers.ts), and through the dispatcher as the
// agent drives them: an incident's opening, reminders and resolution are one alert, triggered (or
// created) once and resolved (or closed) by the same dedup_key (alias).
import { describe, expect, it } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { Dispatcher } from "../../src/notify/dispatcher.js";
import type { Notification, NotifierKind } from "../../src/notify/notifier.js";
import { opsgenie, opsgenieBase } from "../../src/notify/opsgenie.js";
import { pagerduty, pagerdutyBase } from "../../src/notify/pagerduty.js";
import { opsgenieContract, pagerdutyContract } from "./helpers/fake-alerting-providers.js";
import { describeHostedKind, incident, send, serve } from "./helpers/hosted-conformance.js";

const ROUTING_KEY = "R0UT1NGK3Y0123456789ABCDEFabcdef";
const GENIE_KEY = "eb243592-faa2-4ba2-a551-1afdf565c889";

describeHostedKind({
  provider: "PagerDuty Events API v2",
  kind: pagerduty,
  async start() {
    const server = await serve(pagerdutyContract(ROUTING_KEY));
    return { server, spec: { routing_key: "env:PD_KEY", api_url: server.url, source: "understudy@lab" }, env: { PD_KEY: ROUTING_KEY }, badEnv: { PD_KEY: "WR0NGK3Y0123456789ABCDEFabcdef00" } };
  },
  retryAfterMs: undefined,
  errorText: "Event object is invalid: 'payload.summary' is missing or blank",
  expectRequest(req) {
    expect(req.path).toBe("/v2/enqueue");
    expect(req.json).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "incident:42",
      payload: { summary: incident.title, source: "understudy@lab", severity: "critical", timestamp: "2025-01-02T03:04:05.000Z", custom_details: { root: "L001", children: 3 } },
      client_url: incident.url,
      links: [{ href: incident.url, text: "Open in Understudy" }],
    });
  },
});

describeHostedKind({
  provider: "Opsgenie Alert API",
  kind: opsgenie,
  async start() {
    const server = await serve(opsgenieContract(GENIE_KEY));
    return { server, spec: { api_key: "env:OG_KEY", api_url: server.url, tags: ["homelab"], responders: [{ type: "team", name: "ops" }] }, env: { OG_KEY: GENIE_KEY }, badEnv: { OG_KEY: "00000000-0000-0000-0000-000000000000" } };
  },
  retryAfterMs: undefined,
  errorText: "Request body is not processable. Please check the errors. Message can not be empty.",
  expectRequest(req) {
    expect(req.path).toBe("/v2/alerts");
    expect(req.headers.authorization).toBe(`GenieKey ${GENIE_KEY}`);
    expect(req.json).toMatchObject({ message: incident.title, alias: "incident:42", priority: "P1", source: "understudy", tags: ["homelab", "understudy-opened"], details: { root: "L001", children: "3", event: "opened", url: incident.url }, responders: [{ type: "team", name: "ops" }] });
  },
});

const instant = { attempts: 3, min_delay_ms: 1, max_delay_ms: 5, factor: 2 };

function dispatcherFor(kind: NotifierKind, spec: unknown, env: Record<string, string>, remind = false) {
  let now = incident.at;
  let fire: (() => void) | undefined;
  const dispatcher = new Dispatcher({
    notifiers: [{ name: kind.kind, kind, spec: kind.schema.parse(spec) }],
    retry: instant,
    clock: { now: () => now },
    // Reminders (an hour) fire when the test says so; attempt timeouts and backoff waits are real.
    timers: { setTimeout: (callback, ms) => (ms >= 3_600_000 ? ((fire = callback), "reminder") : setTimeout(callback, ms)), clearTimeout: (handle) => (handle === "reminder" ? (fire = undefined) : clearTimeout(handle as NodeJS.Timeout)) },
    secret: (ref) => readSecret(ref, env),
    ...(remind ? { remind_every_ms: 3_600_000 } : {}),
  });
  return { dispatcher, advance: (ms: number) => ((now += ms), fire?.()) };
}

describe("pagerduty (against a local server that checks PagerDuty's documented API): an incident's life", () => {
  it("triggers one alert for the opening and its reminders, resolves the same alert, and records a failover as a change event", async () => {
    const contract = pagerdutyContract(ROUTING_KEY);
    const server = await serve(contract);
    const { dispatcher, advance } = dispatcherFor(pagerduty, { routing_key: "env:PD_KEY", api_url: server.url }, { PD_KEY: ROUTING_KEY }, true);
    dispatcher.openIncident(incident);
    await dispatcher.idle();
    advance(3_600_000);
    await dispatcher.idle();
    dispatcher.dispatch({ key: "failover:headscale:7", event: "action", severity: "critical", title: "headscale failed over to O001", body: "fenced L001, promoted O001, DNS switched", at: incident.at + 3_700_000, fields: { service: "headscale" } });
    dispatcher.closeIncident("incident:42");
    await dispatcher.idle();
    await dispatcher.stop();
    expect(server.violations).toEqual([]);
    expect([...contract.alerts.entries()]).toEqual([["incident:42", { status: "resolved", summary: incident.title, severity: "critical", events: 2 }]]);
    expect(contract.changes).toHaveLength(1);
    expect(contract.changes[0]).toMatchObject({ payload: { summary: "headscale failed over to O001", custom_details: { service: "headscale" } } });
    expect(server.requests.map((req) => [req.path, (req.json as { event_action?: string }).event_action])).toEqual([
      ["/v2/enqueue", "trigger"],
      ["/v2/enqueue", "trigger"],
      ["/v2/change/enqueue", undefined],
      ["/v2/enqueue", "resolve"],
    ]);
  });

  it("retries a throttled trigger with the dispatcher's policy, so the alert still opens once", async () => {
    const contract = pagerdutyContract(ROUTING_KEY);
    const server = await serve(contract);
    server.answer("rate-limited", "server-error");
    const { dispatcher } = dispatcherFor(pagerduty, { routing_key: "env:PD_KEY", api_url: server.url }, { PD_KEY: ROUTING_KEY });
    dispatcher.openIncident(incident);
    await dispatcher.idle();
    await dispatcher.stop();
    expect(dispatcher.counters().notifiers.pagerduty).toEqual({ sent: 1, failed: 0, retried: 2, dropped: 0 });
    expect(contract.alerts.get("incident:42")).toMatchObject({ status: "triggered", events: 1 });
  });

  it("uses the documented US and EU endpoints", () => {
    const spec = (region: string) => pagerduty.schema.parse({ routing_key: "env:K", region }) as Parameters<typeof pagerdutyBase>[0];
    expect(pagerdutyBase(spec("us"))).toBe("https://events.pagerduty.com");
    expect(pagerdutyBase(spec("eu"))).toBe("https://events.eu.pagerduty.com");
  });
});

describe("opsgenie (against a local server that checks Opsgenie's documented API): an incident's life", () => {
  it("creates one alert by alias for the opening and its reminders, and closes that alert on resolve", async () => {
    const contract = opsgenieContract(GENIE_KEY);
    const server = await serve(contract);
    const { dispatcher, advance } = dispatcherFor(opsgenie, { api_key: "env:OG_KEY", api_url: server.url }, { OG_KEY: GENIE_KEY }, true);
    const odd: Notification = { ...incident, key: "incident:42/L001 #1" };
    dispatcher.openIncident(odd);
    await dispatcher.idle();
    advance(3_600_000);
    await dispatcher.idle();
    dispatcher.closeIncident(odd.key);
    await dispatcher.idle();
    await dispatcher.stop();
    expect(server.violations).toEqual([]);
    expect(contract.alerts.get(odd.key)).toMatchObject({ status: "closed", message: incident.title, priority: "P1", count: 2 });
    expect(contract.alerts.get(odd.key)?.note).toMatch(/is resolved after 1h/);
    const close = server.requests.at(-1)!;
    expect(close.path).toBe("/v2/alerts/incident%3A42%2FL001%20%231/close");
    expect(close.query.get("identifierType")).toBe("alias");
  });

  it("keeps a title within Opsgenie's 130-character message", async () => {
    const server = await serve(opsgenieContract(GENIE_KEY));
    await expect(send(opsgenie, { api_key: "env:K", api_url: server.url }, { ...incident, title: "x".repeat(300) }, { K: GENIE_KEY })).resolves.toEqual({ ok: true });
    expect(server.violations).toEqual([]);
  });

  it("uses the documented US and EU endpoints", () => {
    const spec = (region: string) => opsgenie.schema.parse({ api_key: "env:K", region }) as Parameters<typeof opsgenieBase>[0];
    expect(opsgenieBase(spec("us"))).toBe("https://api.opsgenie.com");
    expect(opsgenieBase(spec("eu"))).toBe("https://api.eu.opsgenie.com");
  });
});
