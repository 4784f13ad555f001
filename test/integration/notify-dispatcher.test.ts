// The dispatcher with real kinds, real timers and local servers checking the providers' documented
// APIs: a rate-limited ntfy is retried until it takes the message, while a Telegram bot with a
// revoked token is reported once and holds nothing up.
import { afterEach, describe, expect, it } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { Dispatcher } from "../../src/notify/dispatcher.js";
import type { DeliveryFailure } from "../../src/notify/dispatcher.js";
import { ntfy } from "../../src/notify/ntfy.js";
import { telegram } from "../../src/notify/telegram.js";
import { ntfyContract, startFakeProvider, telegramContract } from "./helpers/fake-providers.js";
import type { FakeProvider } from "./helpers/fake-providers.js";

let servers: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

describe("dispatcher against local servers checking ntfy's and Telegram's documented APIs", () => {
  it("retries a rate-limited provider to success and reports a permanently failing one without blocking", async () => {
    const ntfyServer = await startFakeProvider(ntfyContract());
    const tgServer = await startFakeProvider(telegramContract("123:right-token", 42));
    servers.push(ntfyServer, tgServer);
    ntfyServer.answer("rate-limited", "server-error", "ok");
    const env = { TG_TOKEN: "123:revoked-token" };
    const failures: DeliveryFailure[] = [];
    const dispatcher = new Dispatcher({
      notifiers: [
        { kind: ntfy, spec: ntfy.schema.parse({ url: `${ntfyServer.url}/alerts` }) },
        { kind: telegram, spec: telegram.schema.parse({ bot_token: "env:TG_TOKEN", chat_id: 42, api_url: tgServer.url }) },
      ],
      retry: { attempts: 5, min_delay_ms: 10, max_delay_ms: 50, factor: 2 },
      secret: (ref) => readSecret(ref, env),
      onDeliveryFailed: (failure) => failures.push(failure),
    });
    const started = Date.now();
    expect(dispatcher.dispatch({ key: "incident:9", event: "opened", severity: "high", title: "nginx down", body: "O001 refuses :443", at: started, fields: {} })).toBe(true);
    expect(Date.now() - started).toBeLessThan(20);
    await dispatcher.idle();
    expect(ntfyServer.requests).toHaveLength(3);
    expect(ntfyServer.violations).toEqual([]);
    expect(failures).toEqual([expect.objectContaining({ notifier: "telegram#2", attempts: 1, outcome: "gave-up", reason: "HTTP 401: Unauthorized" })]);
    expect(dispatcher.counters().notifiers).toEqual({
      "ntfy#1": { sent: 1, failed: 0, retried: 2, dropped: 0 },
      "telegram#2": { sent: 0, failed: 1, retried: 0, dropped: 0 },
    });
    await dispatcher.stop();
  });
});
