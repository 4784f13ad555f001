// Each hosted notifier kind against a local server checking that provider's documented API
// (test/integration/helpers/fake-providers.ts): the request is valid, credentials go where the
// provider wants them, its answers map to the right SendResult, and no secret leaks into a reason.
import { afterEach, describe, expect, it } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import type { Notification, NotifierKind, SendContext } from "../../src/notify/notifier.js";
import { discord } from "../../src/notify/discord.js";
import { gotify } from "../../src/notify/gotify.js";
import { matrix } from "../../src/notify/matrix.js";
import { ntfy } from "../../src/notify/ntfy.js";
import { pushover } from "../../src/notify/pushover.js";
import { slack } from "../../src/notify/slack.js";
import { telegram } from "../../src/notify/telegram.js";
import { webhook } from "../../src/notify/webhook.js";
import {
  discordContract,
  gotifyContract,
  matrixContract,
  ntfyContract,
  pushoverContract,
  slackContract,
  startFakeProvider,
  telegramContract,
  webhookContract,
} from "./helpers/fake-providers.js";
import type { FakeProvider, ProviderContract, RecordedRequest } from "./helpers/fake-providers.js";

const SECRETS = {
  NTFY_TOKEN: "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2",
  GOTIFY_TOKEN: "AXqPqZgL1hk.N-b",
  TELEGRAM_TOKEN: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
  MATRIX_TOKEN: "syt_Ym90_uUQjAbCdEfGhIjKlMn_1a2b3c",
  PUSHOVER_APP: "azGDORePK8gMaC0QOYAMyEEuzJnyUi",
  PUSHOVER_USER: "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
  HOOK_AUTH: "Bearer s3cr3t-hook-auth",
};

const incident: Notification = {
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

async function serve(contract: ProviderContract): Promise<FakeProvider> {
  const server = await startFakeProvider(contract);
  servers.push(server);
  return server;
}

function send<S extends NotifierKind>(kind: S, spec: unknown, n: Notification = incident, env: Record<string, string> = {}) {
  const ctx: SendContext = { signal: AbortSignal.timeout(5_000), secret: (ref) => readSecret(ref, { ...env }) };
  return kind.send(kind.schema.parse(spec), n, ctx);
}

interface Case {
  provider: string;
  kind: NotifierKind;
  start(): Promise<{ server: FakeProvider; spec: unknown; env: Record<string, string>; badEnv: Record<string, string> }>;
  /** What the provider's 429 says about waiting (undefined: it says nothing). */
  retryAfterMs: number | undefined;
  /** Words of the provider's own error text, expected in the reason of a 400. */
  errorText: string;
  /** Checks of the one valid request beyond the contract. */
  expectRequest(req: RecordedRequest): void;
}

const cases: Case[] = [
  {
    provider: "ntfy",
    kind: ntfy,
    async start() {
      const server = await serve(ntfyContract(SECRETS.NTFY_TOKEN));
      return { server, spec: { url: `${server.url}/understudy_alerts`, token: "env:NTFY_TOKEN", tags: ["homelab"] }, env: { NTFY_TOKEN: SECRETS.NTFY_TOKEN }, badEnv: { NTFY_TOKEN: "tk_wrongwrongwrongwrongwrongwr" } };
    },
    retryAfterMs: undefined,
    errorText: "priority invalid",
    expectRequest(req) {
      expect(req.json).toMatchObject({ topic: "understudy_alerts", title: incident.title, message: incident.body, priority: 5, tags: ["rotating_light", "homelab"], click: incident.url });
    },
  },
  {
    provider: "Gotify",
    kind: gotify,
    async start() {
      const server = await serve(gotifyContract(SECRETS.GOTIFY_TOKEN));
      return { server, spec: { url: server.url, token: "env:GOTIFY_TOKEN" }, env: { GOTIFY_TOKEN: SECRETS.GOTIFY_TOKEN }, badEnv: { GOTIFY_TOKEN: "Awrongtoken12345" } };
    },
    retryAfterMs: undefined,
    errorText: "Field 'message' is required",
    expectRequest(req) {
      expect(req.headers["x-gotify-key"]).toBe(SECRETS.GOTIFY_TOKEN);
      expect(req.json).toMatchObject({ title: incident.title, priority: 10 });
    },
  },
  {
    provider: "Discord",
    kind: discord,
    async start() {
      const server = await serve(discordContract("1170000000000000001", "hookTOKEN-abc_123"));
      return {
        server,
        spec: { webhook_url: "env:DISCORD_WEBHOOK" },
        env: { DISCORD_WEBHOOK: `${server.url}/api/webhooks/1170000000000000001/hookTOKEN-abc_123` },
        badEnv: { DISCORD_WEBHOOK: `${server.url}/api/webhooks/1170000000000000001/hookTOKEN-wrong` },
      };
    },
    retryAfterMs: 2000,
    errorText: "Cannot send an empty message (code 50006)",
    expectRequest(req) {
      expect(req.query.get("wait")).toBe("true");
      const body = req.json as { embeds: { color: number; title: string; fields: unknown[] }[]; allowed_mentions: unknown };
      expect(body.embeds[0]).toMatchObject({ color: 0xd32f2f, title: incident.title, fields: [{ name: "root", value: "L001", inline: true }, { name: "children", value: "3", inline: true }] });
      expect(body.allowed_mentions).toEqual({ parse: [] });
    },
  },
  {
    provider: "Slack",
    kind: slack,
    async start() {
      const path = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
      const server = await serve(slackContract(path));
      return { server, spec: { webhook_url: "env:SLACK_WEBHOOK" }, env: { SLACK_WEBHOOK: `${server.url}${path}` }, badEnv: { SLACK_WEBHOOK: `${server.url}/services/T00000000/B00000000/wrong` } };
    },
    retryAfterMs: 3000,
    errorText: "invalid_payload",
    expectRequest(req) {
      const body = req.json as { text: string; blocks: { type: string }[] };
      expect(body.text).toContain("&lt;primary&gt; &amp; \"no standby\"");
      expect(body.blocks.map((block) => block.type)).toEqual(["header", "section", "context"]);
    },
  },
  {
    provider: "Telegram",
    kind: telegram,
    async start() {
      const server = await serve(telegramContract(SECRETS.TELEGRAM_TOKEN, -1001234567890));
      return { server, spec: { bot_token: "env:TG_TOKEN", chat_id: -1001234567890, api_url: server.url }, env: { TG_TOKEN: SECRETS.TELEGRAM_TOKEN }, badEnv: { TG_TOKEN: "123456789:wrong" } };
    },
    retryAfterMs: 3000,
    errorText: "Bad Request: message text is empty",
    expectRequest(req) {
      expect(req.json).toMatchObject({ chat_id: -1001234567890, parse_mode: "HTML" });
      expect((req.json as { text: string }).text).toContain("<b>headscale down on L001 &lt;primary&gt; &amp; &quot;no standby&quot;</b>");
    },
  },
  {
    provider: "Matrix",
    kind: matrix,
    async start() {
      const server = await serve(matrixContract(SECRETS.MATRIX_TOKEN, "!ops:example.org"));
      return { server, spec: { homeserver: server.url, access_token: "env:MX_TOKEN", room_id: "!ops:example.org" }, env: { MX_TOKEN: SECRETS.MATRIX_TOKEN }, badEnv: { MX_TOKEN: "syt_wrong_token" } };
    },
    retryAfterMs: 2000,
    errorText: "M_FORBIDDEN: User @bot:example.org not in room",
    expectRequest(req) {
      expect(req.path).toMatch(/^\/_matrix\/client\/v3\/rooms\/%21ops%3Aexample\.org\/send\/m\.room\.message\/understudy\.[\w-]+$/);
      expect(req.json).toMatchObject({ msgtype: "m.text", format: "org.matrix.custom.html" });
    },
  },
  {
    provider: "Pushover",
    kind: pushover,
    async start() {
      const server = await serve(pushoverContract(SECRETS.PUSHOVER_APP, SECRETS.PUSHOVER_USER));
      return {
        server,
        spec: { app_token: "env:PO_APP", user_key: "env:PO_USER", api_url: `${server.url}/1/messages.json` },
        env: { PO_APP: SECRETS.PUSHOVER_APP, PO_USER: SECRETS.PUSHOVER_USER },
        badEnv: { PO_APP: SECRETS.PUSHOVER_APP, PO_USER: "uQiRzpo4DXghDmr9QzzfQu27cmVRsX" },
      };
    },
    retryAfterMs: undefined,
    errorText: "message cannot be blank",
    expectRequest(req) {
      const form = new URLSearchParams(req.body);
      expect(form.get("priority")).toBe("1");
      expect(form.get("timestamp")).toBe(String(incident.at / 1000));
      expect(form.get("url")).toBe(incident.url);
    },
  },
  {
    provider: "a generic webhook receiver",
    kind: webhook,
    async start() {
      const server = await serve(webhookContract({ Authorization: SECRETS.HOOK_AUTH }));
      return {
        server,
        spec: { url: `${server.url}/hooks/understudy`, secret_headers: { Authorization: "env:HOOK_AUTH" }, template: { text: "[{{severity}}] {{title}}", detail: { body: "{{body}}", root: "{{fields.root}}", n: "{{fields.children}}" } } },
        env: { HOOK_AUTH: SECRETS.HOOK_AUTH },
        badEnv: { HOOK_AUTH: "Bearer nope-nope-nope" },
      };
    },
    retryAfterMs: 1000,
    errorText: "field title missing",
    expectRequest(req) {
      expect(req.json).toEqual({ text: `[critical] ${incident.title}`, detail: { body: incident.body, root: "L001", n: 3 } });
    },
  },
];

for (const c of cases) {
  describe(`${c.kind.kind} against a local server checking ${c.provider}'s documented API`, () => {
    it("sends a request that follows the documented API and reads the success answer", async () => {
      const { server, spec, env } = await c.start();
      await expect(send(c.kind, spec, incident, env)).resolves.toEqual({ ok: true });
      expect(server.violations).toEqual([]);
      expect(server.requests).toHaveLength(1);
      c.expectRequest(server.requests[0]!);
    });

    it("treats a 429 as retryable and honours the provider's wait", async () => {
      const { server, spec, env } = await c.start();
      server.answer("rate-limited");
      const result = await send(c.kind, spec, incident, env);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(result.ok ? undefined : result.retryAfterMs).toBe(c.retryAfterMs);
      expect(result.ok ? "" : result.reason).toMatch(/^HTTP 429/);
    });

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
      for (const value of Object.values(badEnv)) expect(result.ok ? "" : result.reason).not.toContain(new URL(value, "http://x").pathname.split("/").pop());
      expect(server.violations).toEqual([]);
    });
  });
}

describe("matrix against a local server checking Matrix's documented API: idempotent retries", () => {
  it("reuses the txnId for a retried message, so the homeserver stores it once; a new message gets a new one", async () => {
    const contract = matrixContract(SECRETS.MATRIX_TOKEN, "!ops:example.org");
    const server = await serve(contract);
    const spec = { homeserver: server.url, access_token: "env:MX_TOKEN", room_id: "!ops:example.org" };
    const env = { MX_TOKEN: SECRETS.MATRIX_TOKEN };
    await send(matrix, spec, incident, env);
    await send(matrix, spec, incident, env); // as if the first answer was lost and the dispatcher retried
    await send(matrix, spec, { ...incident, event: "resolved", at: incident.at + 60_000 }, env);
    const txns = server.requests.map((req) => req.path.split("/").pop());
    expect(txns[0]).toBe(txns[1]);
    expect(txns[2]).not.toBe(txns[0]);
    expect(contract.events.size).toBe(2);
  });
});

describe("telegram against a local server checking Telegram's documented API: HTML escaping", () => {
  it("escapes every <, > and & that is not markup, so Telegram can parse the entities", async () => {
    const server = await serve(telegramContract(SECRETS.TELEGRAM_TOKEN, "@understudy_ops"));
    const nasty = { ...incident, title: "<script>alert(1)</script> && <b>", body: "a<b & c>d &amp; ".repeat(400) };
    const result = await send(telegram, { bot_token: "env:TG", chat_id: "@understudy_ops", api_url: server.url }, nasty, { TG: SECRETS.TELEGRAM_TOKEN });
    expect(server.violations).toEqual([]);
    expect(result).toEqual({ ok: true });
  });
});

describe("pushover against a local server checking Pushover's documented API: emergency priority", () => {
  it("sends priority 2 with retry and expire only when emergency is configured", async () => {
    const server = await serve(pushoverContract(SECRETS.PUSHOVER_APP, SECRETS.PUSHOVER_USER));
    const env = { PO_APP: SECRETS.PUSHOVER_APP, PO_USER: SECRETS.PUSHOVER_USER };
    const spec = { app_token: "env:PO_APP", user_key: "env:PO_USER", api_url: `${server.url}/1/messages.json`, emergency: { retry_s: 60, expire_s: 3600 } };
    await expect(send(pushover, spec, incident, env)).resolves.toEqual({ ok: true });
    expect(server.violations).toEqual([]);
    const form = new URLSearchParams(server.requests[0]!.body);
    expect([form.get("priority"), form.get("retry"), form.get("expire")]).toEqual(["2", "60", "3600"]);
  });
});

describe("network failures", () => {
  it("are retryable and name no URL (webhook URLs carry tokens)", async () => {
    const server = await startFakeProvider(webhookContract());
    const url = `${server.url}/api/webhooks/1/secret-token-in-path`;
    await server.close();
    const result = await send(discord, { webhook_url: "env:D" }, incident, { D: url });
    expect(result).toMatchObject({ ok: false, retryable: true, reason: "network error (ECONNREFUSED)" });
  });
});
