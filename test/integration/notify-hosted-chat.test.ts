// The chat and push notifier kinds of issue 19 (Teams, Google Chat, Mattermost, Rocket.Chat, Home
// Assistant, Signal, Pushbullet), each against a local server that checks that provider's documented
// API (helpers/fake-chat-providers.ts): the request is valid, credentials go where the provider wants
// them, its answers map to the right SendResult, and no secret leaks into a reason.
import { describe, expect, it } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { Dispatcher } from "../../src/notify/dispatcher.js";
import { googleChat } from "../../src/notify/google-chat.js";
import { homeAssistant } from "../../src/notify/home-assistant.js";
import { mattermost } from "../../src/notify/mattermost.js";
import { pushbullet } from "../../src/notify/pushbullet.js";
import { rocketChat } from "../../src/notify/rocket-chat.js";
import { signal } from "../../src/notify/signal.js";
import { teams } from "../../src/notify/teams.js";
import { googleChatContract, homeAssistantContract, mattermostContract, pushbulletContract, rocketChatContract, signalContract, teamsContract } from "./helpers/fake-chat-providers.js";
import { describeHostedKind, incident, send, serve } from "./helpers/hosted-conformance.js";
import type { HostedCase } from "./helpers/hosted-conformance.js";

const SECRETS = {
  TEAMS_SIG: "pXk3b9Zq1vW8mN2cR7tY5uI0oP4aS6dF-gH_jK",
  GCHAT_KEY: "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI",
  GCHAT_TOKEN: "vJ1k3Xq9mZp2LrT8wYb5nC4dF6gH0jK7sA-uE_iO=",
  MM_HOOK: "xzqy3b9kfjgh5p8w1r7t4u6i2o",
  RC_TOKEN: "Zk2pQ8wX5mN3bV7cR1tY9uI4",
  HA_TOKEN: "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ1bmRlcnN0dWR5In0.ha-long-lived",
  SIGNAL_AUTH: "Bearer signal-proxy-s3cret",
  PB_TOKEN: "o.Qm2kZpX8wN5bV7cR1tY9uI4oP3aS6dF0",
};

const TEAMS_PATH = "/powerautomate/automations/direct/workflows/8f2c1e5a9b7d4c3e/triggers/manual/paths/invoke";
const teamsUrl = (base: string, sig: string) => `${base}${TEAMS_PATH}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;

const cases: HostedCase[] = [
  {
    provider: "Microsoft Teams Workflows",
    kind: teams,
    async start() {
      const server = await serve(teamsContract(TEAMS_PATH, SECRETS.TEAMS_SIG));
      return { server, spec: { webhook_url: "env:TEAMS_URL" }, env: { TEAMS_URL: teamsUrl(server.url, SECRETS.TEAMS_SIG) }, badEnv: { TEAMS_URL: teamsUrl(server.url, "wrong-signature-0000") } };
    },
    retryAfterMs: 4000,
    errorText: "TriggerInputSchemaMismatch",
    expectRequest(req) {
      const card = (req.json as { attachments: { content: { body: { type: string; text?: string; facts?: unknown }[]; actions: unknown[] } }[] }).attachments[0]!.content;
      expect(card.body[0]).toMatchObject({ type: "TextBlock", text: incident.title, color: "Attention" });
      expect(card.body.find((element) => element.type === "FactSet")?.facts).toEqual([{ title: "root", value: "L001" }, { title: "children", value: "3" }]);
      expect(card.actions).toEqual([{ type: "Action.OpenUrl", title: "Open", url: incident.url }]);
    },
  },
  {
    provider: "Google Chat",
    kind: googleChat,
    async start() {
      const server = await serve(googleChatContract("AAAAx1y2z3", SECRETS.GCHAT_KEY, SECRETS.GCHAT_TOKEN));
      const url = (token: string) => `${server.url}/v1/spaces/AAAAx1y2z3/messages?key=${SECRETS.GCHAT_KEY}&token=${encodeURIComponent(token)}`;
      return { server, spec: { webhook_url: "env:GCHAT_URL" }, env: { GCHAT_URL: url(SECRETS.GCHAT_TOKEN) }, badEnv: { GCHAT_URL: url("wrong-token") } };
    },
    retryAfterMs: undefined,
    errorText: "INVALID_ARGUMENT: Invalid JSON payload received",
    expectRequest(req) {
      expect(req.query.get("messageReplyOption")).toBe("REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
      expect(req.json).toEqual({ text: `🚨 *${incident.title}*\n${incident.body}\n<${incident.url}|Open>`, thread: { threadKey: "incident:42" } });
    },
  },
  {
    provider: "Mattermost",
    kind: mattermost,
    async start() {
      const server = await serve(mattermostContract(SECRETS.MM_HOOK));
      return { server, spec: { webhook_url: "env:MM_URL", channel: "ops", username: "understudy" }, env: { MM_URL: `${server.url}/hooks/${SECRETS.MM_HOOK}` }, badEnv: { MM_URL: `${server.url}/hooks/aaaaaaaaaaaaaaaaaaaaaaaaaa` } };
    },
    retryAfterMs: 1000,
    errorText: "No text specified.",
    expectRequest(req) {
      expect(req.json).toMatchObject({ channel: "ops", username: "understudy", attachments: [{ color: "#d32f2f", title: incident.title, title_link: incident.url, text: incident.body, fields: [{ short: true, title: "root", value: "L001" }, { short: true, title: "children", value: "3" }] }] });
    },
  },
  {
    provider: "Rocket.Chat",
    kind: rocketChat,
    async start() {
      const server = await serve(rocketChatContract("6n2QzpR8wX5mKaBcD", SECRETS.RC_TOKEN));
      return { server, spec: { webhook_url: "env:RC_URL", channel: "#ops" }, env: { RC_URL: `${server.url}/hooks/6n2QzpR8wX5mKaBcD/${SECRETS.RC_TOKEN}` }, badEnv: { RC_URL: `${server.url}/hooks/6n2QzpR8wX5mKaBcD/wrongtoken123` } };
    },
    retryAfterMs: undefined,
    errorText: "invalid-channel",
    expectRequest(req) {
      expect(req.json).toMatchObject({ channel: "#ops", attachments: [{ title: incident.title, title_link: incident.url, text: incident.body, color: "#d32f2f", ts: "2025-01-02T03:04:05.000Z" }] });
    },
  },
  {
    provider: "Home Assistant",
    kind: homeAssistant,
    async start() {
      const server = await serve(homeAssistantContract(SECRETS.HA_TOKEN, ["mobile_app_pixel_8"]));
      return { server, spec: { url: server.url, token: "env:HA_TOKEN", service: "notify.mobile_app_pixel_8", data: { priority: "high", ttl: 0 } }, env: { HA_TOKEN: SECRETS.HA_TOKEN }, badEnv: { HA_TOKEN: "eyJ.wrong.token" } };
    },
    retryAfterMs: "none",
    errorText: "Invalid JSON specified.",
    expectRequest(req) {
      expect(req.path).toBe("/api/services/notify/mobile_app_pixel_8");
      expect(req.json).toEqual({ title: incident.title, message: `${incident.body}\n${incident.url}`, data: { priority: "high", ttl: 0 } });
    },
  },
  {
    provider: "signal-cli-rest-api",
    kind: signal,
    async start() {
      const server = await serve(signalContract("+4915112345678", SECRETS.SIGNAL_AUTH));
      return {
        server,
        spec: { url: server.url, number: "+4915112345678", recipients: ["+4915187654321", "group.ZmFtaWx5Z3JvdXA="], authorization: "env:SIGNAL_AUTH" },
        env: { SIGNAL_AUTH: SECRETS.SIGNAL_AUTH },
        badEnv: { SIGNAL_AUTH: "Bearer wrong-proxy-token" },
      };
    },
    retryAfterMs: "none",
    errorText: "invalid request",
    expectRequest(req) {
      expect(req.json).toEqual({ message: `🚨 ${incident.title}\n${incident.body}\n${incident.url}`, number: "+4915112345678", recipients: ["+4915187654321", "group.ZmFtaWx5Z3JvdXA="], text_mode: "normal" });
    },
  },
  {
    provider: "Pushbullet",
    kind: pushbullet,
    async start() {
      const server = await serve(pushbulletContract(SECRETS.PB_TOKEN));
      return { server, spec: { access_token: "env:PB_TOKEN", device_iden: "ujpah72o0sjAoRtnM0jc", api_url: server.url }, env: { PB_TOKEN: SECRETS.PB_TOKEN }, badEnv: { PB_TOKEN: "o.wrongwrongwrongwrong" } };
    },
    retryAfterMs: undefined,
    errorText: "invalid_request: Invalid type.",
    expectRequest(req) {
      expect(req.headers["access-token"]).toBe(SECRETS.PB_TOKEN);
      expect(req.json).toEqual({ type: "link", title: incident.title, body: incident.body, url: incident.url, device_iden: "ujpah72o0sjAoRtnM0jc" });
    },
  },
];

for (const c of cases) describeHostedKind(c);

describe("google_chat (against a local server that checks Google Chat's documented API): one thread per incident", () => {
  it("puts the opening, a reminder and the resolution of an incident in one thread, and another incident in its own", async () => {
    const contract = googleChatContract("AAAAx1y2z3", SECRETS.GCHAT_KEY, SECRETS.GCHAT_TOKEN);
    const server = await serve(contract);
    const env = { GCHAT_URL: `${server.url}/v1/spaces/AAAAx1y2z3/messages?key=${SECRETS.GCHAT_KEY}&token=${encodeURIComponent(SECRETS.GCHAT_TOKEN)}` };
    for (const n of [incident, { ...incident, event: "reminder" as const }, { ...incident, key: "incident:43" }, { ...incident, event: "resolved" as const }]) {
      await expect(send(googleChat, { webhook_url: "env:GCHAT_URL" }, n, env)).resolves.toEqual({ ok: true });
    }
    expect(server.violations).toEqual([]);
    const threads = contract.messages.map((message) => message.thread);
    expect(threads[1]).toBe(threads[0]);
    expect(threads[3]).toBe(threads[0]);
    expect(threads[2]).not.toBe(threads[0]);
  });
});

describe("home_assistant (against a local server that checks Home Assistant's documented API): unknown service", () => {
  it("says Home Assistant has no such notify service, permanently", async () => {
    const server = await serve(homeAssistantContract(SECRETS.HA_TOKEN, ["mobile_app_pixel_8"]));
    const result = await send(homeAssistant, { url: server.url, token: "env:HA", service: "mobile_app_pixle_8" }, incident, { HA: SECRETS.HA_TOKEN });
    expect(result).toEqual({ ok: false, retryable: false, reason: "HTTP 400: Service notify.mobile_app_pixle_8 not found." });
  });
});

describe("pushbullet (against a local server that checks Pushbullet's documented API): through the dispatcher", () => {
  it("retries a rate-limited push with the dispatcher's policy and delivers it once", async () => {
    const server = await serve(pushbulletContract(SECRETS.PB_TOKEN));
    server.answer("rate-limited");
    const dispatcher = new Dispatcher({
      notifiers: [{ name: "phone", kind: pushbullet, spec: pushbullet.schema.parse({ access_token: "env:PB_TOKEN", api_url: server.url }) }],
      retry: { attempts: 3, min_delay_ms: 10, max_delay_ms: 20, factor: 2 },
      secret: (ref) => readSecret(ref, { PB_TOKEN: SECRETS.PB_TOKEN }),
    });
    dispatcher.dispatch(incident);
    await dispatcher.idle();
    await dispatcher.stop();
    expect(dispatcher.counters().notifiers.phone).toEqual({ sent: 1, failed: 0, retried: 1, dropped: 0 });
    expect(server.requests).toHaveLength(2);
    expect(server.violations).toEqual([]);
  });
});
