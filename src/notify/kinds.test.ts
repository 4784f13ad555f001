// Unit tests of the notifier kinds' schemas (strict, secrets by reference, described for the
// published JSON Schema) and of the pure pieces: payload shaping, escaping, templates, backoff.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseRetryAfter, redact } from "./http-delivery.js";
import { matrixTxnId } from "./matrix.js";
import type { Notification, NotifierKind } from "./notifier.js";
import { splitTopicUrl } from "./ntfy.js";
import { findNotifierKind, notifierKinds } from "./registry.js";
import { backoffDelay, retryPolicySchema } from "./retry-policy.js";
import { telegramText } from "./telegram.js";
import { renderTemplate, unknownPlaceholders } from "./webhook-template.js";

const n: Notification = { key: "incident:1", event: "opened", severity: "critical", title: 'a "b" <c>', body: "line1\nline2 & more", at: 0, fields: { root: "L001", children: ["mesh", "nginx"], nested: { host: "H1" } } };

/** A valid spec per kind, with each secret as a reference. */
const valid: Record<string, Record<string, unknown>> = {
  ntfy: { url: "https://ntfy.sh/understudy", token: "env:NTFY_TOKEN" },
  gotify: { url: "https://gotify.example.org", token: "file:/run/credentials/gotify" },
  discord: { webhook_url: "env:DISCORD_WEBHOOK" },
  slack: { webhook_url: "env:SLACK_WEBHOOK" },
  telegram: { bot_token: "env:TG_TOKEN", chat_id: -100123 },
  matrix: { homeserver: "https://matrix.example.org", access_token: "env:MX", room_id: "!abc:example.org" },
  pushover: { user_key: "env:PO_USER", app_token: "env:PO_APP" },
  email: { host: "smtp.example.org", user: "u", password: "env:SMTP_PASSWORD", from: "u@example.org", to: ["ops@example.org"] },
  webhook: { url: "https://hooks.example.org/x", template: { text: "{{title}}" } },
  apprise: { urls: "env:APPRISE_URLS", tag: "ops" },
  teams: { webhook_url: "env:TEAMS_WEBHOOK" },
  google_chat: { webhook_url: "env:GCHAT_WEBHOOK" },
  mattermost: { webhook_url: "env:MM_WEBHOOK", channel: "ops" },
  rocket_chat: { webhook_url: "env:RC_WEBHOOK", channel: "#ops" },
  pagerduty: { routing_key: "env:PD_ROUTING_KEY" },
  opsgenie: { api_key: "env:OPSGENIE_KEY", region: "eu" },
  home_assistant: { url: "http://homeassistant.local:8123", token: "file:/run/credentials/ha", service: "mobile_app_pixel_8" },
  signal: { url: "http://signal-api:8080", number: "+4915112345678", recipients: ["+4915187654321", "group.dGVzdA=="], authorization: "env:SIGNAL_AUTH" },
  pushbullet: { access_token: "env:PB_TOKEN" },
};
/** The key holding a secret, to check that a literal is refused. */
const secretKey: Record<string, string> = { ntfy: "token", gotify: "token", discord: "webhook_url", slack: "webhook_url", telegram: "bot_token", matrix: "access_token", pushover: "app_token", email: "password", webhook: "url_secret",
  apprise: "urls", teams: "webhook_url", google_chat: "webhook_url", mattermost: "webhook_url", rocket_chat: "webhook_url", pagerduty: "routing_key", opsgenie: "api_key", home_assistant: "token", signal: "authorization", pushbullet: "access_token",
};

describe("notifier kinds", () => {
  it("are registered once each and found by name", () => {
    const names = notifierKinds.map((kind) => kind.kind);
    expect(names).toEqual(["ntfy", "gotify", "discord", "slack", "telegram", "matrix", "pushover", "email", "webhook", "apprise", "teams", "google_chat", "mattermost", "rocket_chat", "pagerduty", "opsgenie", "home_assistant", "signal", "pushbullet"]);
    expect(findNotifierKind("matrix")?.kind).toBe("matrix");
    expect(findNotifierKind("pager")).toBeUndefined();
  });

  for (const kind of notifierKinds as readonly NotifierKind[]) {
    describe(kind.kind, () => {
      it("accepts a valid spec and describes it without secrets", () => {
        const spec = kind.schema.parse(valid[kind.kind]);
        expect(kind.describe(spec)).not.toMatch(/env:|file:/);
      });

      it("refuses unknown keys", () => {
        expect(kind.schema.safeParse({ ...valid[kind.kind], colour: "red" }).success).toBe(false);
      });

      it("refuses a literal secret", () => {
        const spec = { ...valid[kind.kind], [secretKey[kind.kind]!]: "hunter2-literal-token" };
        if (kind.kind === "webhook") delete spec.url;
        const result = kind.schema.safeParse(spec);
        expect(result.success).toBe(false);
        expect(JSON.stringify(result.error?.issues)).toContain("secret reference");
      });

      it("publishes a JSON Schema with snake_case keys, each described", () => {
        const schema = z.toJSONSchema(kind.schema, { io: "input" }) as { properties: Record<string, { description?: string }>; additionalProperties: unknown };
        expect(schema.additionalProperties).toBe(false);
        for (const [key, property] of Object.entries(schema.properties)) {
          expect(key).toMatch(/^[a-z][a-z0-9_]*$/);
          expect(property.description, `${kind.kind}.${key}`).toBeTruthy();
        }
      });
    });
  }

  it("email wants user and password together", () => {
    const kind = findNotifierKind("email")!;
    expect(kind.schema.safeParse({ ...valid.email, password: undefined }).success).toBe(false);
  });

  it("apprise runs the CLI with urls or config, or posts to a server with a key or urls, and says which key is misplaced", () => {
    const kind = findNotifierKind("apprise")!;
    expect(kind.schema.safeParse({ config: "/etc/apprise.yml" }).success).toBe(true);
    expect(kind.schema.safeParse({ api_url: "http://apprise:8000", key: "ops" }).success).toBe(true);
    expect(kind.schema.safeParse({ api_url: "http://apprise:8000", urls: "env:U" }).success).toBe(true);
    const problems = (spec: unknown) => JSON.stringify(kind.schema.safeParse(spec).error?.issues ?? []);
    expect(problems({})).toContain("needs urls");
    expect(problems({ urls: "env:U", key: "ops" })).toContain("key is for an apprise-api server");
    expect(problems({ api_url: "http://apprise:8000", config: "/etc/apprise.yml" })).toContain("config is for the apprise CLI");
    expect(problems({ api_url: "http://apprise:8000", key: "ops", urls: "env:U" })).toContain("not both");
  });

  it("pushbullet takes at most one target", () => {
    const kind = findNotifierKind("pushbullet")!;
    expect(kind.schema.safeParse({ ...valid.pushbullet, email: "a@example.org", channel_tag: "x" }).success).toBe(false);
  });

  it("signal wants international phone numbers", () => {
    const kind = findNotifierKind("signal")!;
    expect(JSON.stringify(kind.schema.safeParse({ ...valid.signal, number: "015112345678" }).error?.issues)).toContain("international form");
  });

  it("webhook wants exactly one of url and url_secret", () => {
    const kind = findNotifierKind("webhook")!;
    expect(kind.schema.safeParse({ template: {} }).success).toBe(false);
    expect(kind.schema.safeParse({ url: "https://x.example", url_secret: "env:X" }).success).toBe(false);
  });
});

describe("ntfy topic URLs", () => {
  it("split into the server (where JSON is published) and the topic", () => {
    expect(splitTopicUrl("https://ntfy.sh/understudy")).toEqual({ server: "https://ntfy.sh/", topic: "understudy" });
    expect(splitTopicUrl("https://lab.example/ntfy/alerts/")).toEqual({ server: "https://lab.example/ntfy/", topic: "alerts" });
  });
});

describe("webhook templates", () => {
  it("substitute placeholders, keeping the JSON type of a whole placeholder", () => {
    const out = renderTemplate({ text: "[{{severity}}] {{title}}", list: "{{fields.children}}", host: "{{fields.nested.host}}", missing: "x{{fields.nope}}y", whole: "{{fields.nope}}", n: 3 }, n);
    expect(out).toEqual({ text: '[critical] a "b" <c>', list: ["mesh", "nginx"], host: "H1", missing: "xy", whole: null, n: 3 });
  });

  it("stay valid JSON whatever the title and body hold", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (title, body) => {
        const rendered = renderTemplate({ msg: "{{title}}: {{body}}", nested: ["{{body}}"] }, { ...n, title, body });
        expect(JSON.parse(JSON.stringify(rendered))).toEqual({ msg: `${title}: ${body}`, nested: [body] });
      }),
    );
  });

  it("report unknown placeholders", () => {
    expect(unknownPlaceholders({ a: "{{titel}} {{fields.x}}", b: ["{{severty}}"] })).toEqual(["titel", "severty"]);
  });
});

describe("telegram text", () => {
  it("escapes everything that is not its own markup, and stays within 4096 characters", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 6000 }), (title, body) => {
        const text = telegramText({ ...n, title, body });
        const outsideTags = text.replace(/<\/?(b|a)( href="[^"]*")?>/g, "");
        expect(outsideTags).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot);)/);
        expect(Array.from(text).length).toBeLessThanOrEqual(4096);
      }),
    );
  });
});

describe("matrix txnId", () => {
  it("is the same for the same message and differs for another", () => {
    expect(matrixTxnId(n, "!r:x")).toBe(matrixTxnId({ ...n }, "!r:x"));
    expect(matrixTxnId({ ...n, event: "reminder", at: 1 }, "!r:x")).not.toBe(matrixTxnId(n, "!r:x"));
    expect(matrixTxnId(n, "!other:x")).not.toBe(matrixTxnId(n, "!r:x"));
  });
});

describe("retry policy", () => {
  it("is validated data", () => {
    expect(retryPolicySchema.safeParse({ attempts: 3, min_delay_ms: 500, max_delay_ms: 100, factor: 2 }).success).toBe(false);
  });

  it("backs off exponentially within [step/2, step], capped, and never below Retry-After", () => {
    const policy = { attempts: 10, min_delay_ms: 1_000, max_delay_ms: 60_000, factor: 2 };
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.option(fc.integer({ min: 0, max: 600_000 })), (retry, r, after) => {
        const step = Math.min(60_000, 1_000 * 2 ** (retry - 1));
        const delay = backoffDelay(policy, retry, () => r, after ?? undefined);
        expect(delay).toBeGreaterThanOrEqual(Math.max(step / 2 - 1, after ?? 0));
        expect(delay).toBeLessThanOrEqual(Math.max(step, after ?? 0));
      }),
    );
  });
});

describe("http delivery helpers", () => {
  it("parse Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(10_000);
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("redact secrets, raw and URL-encoded", () => {
    expect(redact("token abc/def+1 and abc%2Fdef%2B1", ["abc/def+1"])).toBe("token *** and ***");
  });
});
