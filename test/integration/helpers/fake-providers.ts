// Local stand-ins for the hosted notification APIs (ntfy, Gotify, Discord, Slack, Telegram, Matrix,
// Pushover) and a generic webhook receiver, on 127.0.0.1. Each checks every request against the
// provider's documented API — method, path, auth, content type, JSON shape, required fields and
// limits — records what is wrong in `violations` (answering 400 so the sender sees it too), and
// answers as the provider does: its success body, its 429 (with Retry-After where it sends one)
// and its error body. Tests script the next answers with `answer("rate-limited", "ok")`.
import { createServer } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

export type Scripted = "ok" | "rate-limited" | "bad-request" | "server-error";

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ProviderContract {
  /** Documented rule violations of this request (empty when it is a valid request). */
  check(req: RecordedRequest): string[];
  /** The provider's own answer to a request with bad credentials, or undefined when they are good. */
  auth(req: RecordedRequest): Answer | undefined;
  ok(req: RecordedRequest): Answer;
  rateLimited: Answer;
  badRequest: Answer;
}

export interface FakeProvider {
  url: string;
  requests: RecordedRequest[];
  violations: string[];
  answer(...next: Scripted[]): void;
  close(): Promise<void>;
}

export async function startFakeProvider(contract: ProviderContract): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const script: Scripted[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = body ? (JSON.parse(body) as unknown) : undefined;
      } catch {
        json = undefined;
      }
      const recorded: RecordedRequest = { method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
      requests.push(recorded);
      const problems = contract.check(recorded);
      violations.push(...problems);
      const scripted = script.shift() ?? "ok";
      let answer: Answer;
      if (problems.length > 0) answer = { ...contract.badRequest, body: { violations: problems } };
      else answer = contract.auth(recorded) ?? (scripted === "ok" ? contract.ok(recorded) : scripted === "rate-limited" ? contract.rateLimited : scripted === "bad-request" ? contract.badRequest : { status: 502, body: "<html>502 Bad Gateway</html>" });
      const text = answer.body === undefined ? "" : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      const type = typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json";
      res.writeHead(answer.status, { ...(text ? { "content-type": type } : {}), ...answer.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations,
    answer: (...next) => script.push(...next),
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

// ---- shared checks ---------------------------------------------------------------------------

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);
export const chars = (text: string) => Array.from(text).length;

export function expectJson(req: RecordedRequest, problems: string[]): Json {
  if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) problems.push(`content-type is ${req.headers["content-type"]}, expected application/json`);
  if (!isObject(req.json)) problems.push("body is not a JSON object");
  return isObject(req.json) ? req.json : {};
}

export function onlyKeys(object: Json, allowed: readonly string[], where: string, problems: string[]): void {
  for (const key of Object.keys(object)) if (!allowed.includes(key)) problems.push(`${where}: unknown field "${key}"`);
}

export function maxLength(value: unknown, max: number, where: string, problems: string[], required = false): void {
  if (value === undefined) {
    if (required) problems.push(`${where} is required`);
    return;
  }
  if (typeof value !== "string") problems.push(`${where} must be a string`);
  else if (chars(value) > max) problems.push(`${where} is longer than ${max}`);
}

// ---- ntfy: https://docs.ntfy.sh/publish/#publish-as-json ---------------------------------------

export function ntfyContract(token?: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST" && req.method !== "PUT") problems.push(`method ${req.method}`);
      if (req.path !== "/") problems.push(`JSON is published to the root URL, not ${req.path}`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["topic", "message", "title", "tags", "priority", "actions", "click", "attach", "markdown", "icon", "filename", "delay", "email", "call"], "ntfy", problems);
      if (typeof body.topic !== "string" || !/^[-_A-Za-z0-9]{1,64}$/.test(body.topic)) problems.push("topic is required: 1-64 of [-_A-Za-z0-9]");
      if (body.priority !== undefined && !(Number.isInteger(body.priority) && (body.priority as number) >= 1 && (body.priority as number) <= 5)) problems.push("priority must be 1..5");
      if (body.tags !== undefined && !(Array.isArray(body.tags) && body.tags.every((t) => typeof t === "string"))) problems.push("tags must be a string array");
      if (body.click !== undefined && (typeof body.click !== "string" || !URL.canParse(body.click))) problems.push("click must be a URL");
      return problems;
    },
    auth(req) {
      if (token === undefined) return undefined;
      const given = req.headers.authorization;
      if (given === undefined) return { status: 403, body: { code: 40301, http: 403, error: "forbidden", link: "https://ntfy.sh/docs/publish/#authentication" } };
      return given === `Bearer ${token}` ? undefined : { status: 401, body: { code: 40101, http: 401, error: "unauthorized", link: "https://ntfy.sh/docs/publish/#authentication" } };
    },
    ok: (req) => ({ status: 200, body: { id: "hwQ2YpKdmg", time: 1_700_000_000, event: "message", ...(req.json as Json) } }),
    rateLimited: { status: 429, body: { code: 42901, http: 429, error: "limit reached: too many requests", link: "https://ntfy.sh/docs/publish/#limitations" } },
    badRequest: { status: 400, body: { code: 40007, http: 400, error: "invalid request: priority invalid", link: "https://ntfy.sh/docs/publish/#message-priority" } },
  };
}

// ---- Gotify: POST /message (createMessage) ---------------------------------------------------------

export function gotifyContract(appToken: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST" || req.path !== "/message") problems.push(`expected POST /message, got ${req.method} ${req.path}`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["message", "title", "priority", "extras"], "gotify", problems);
      if (typeof body.message !== "string" || body.message === "") problems.push("message is required");
      if (body.priority !== undefined && !Number.isInteger(body.priority)) problems.push("priority must be an integer");
      if (body.extras !== undefined && !isObject(body.extras)) problems.push("extras must be an object");
      return problems;
    },
    auth(req) {
      const given = req.headers["x-gotify-key"] ?? req.query.get("token") ?? req.headers.authorization?.replace(/^Bearer /, "");
      return given === appToken ? undefined : { status: 401, body: { error: "Unauthorized", errorCode: 401, errorDescription: "you need to provide a valid access token or user credentials to access this api" } };
    },
    ok: (req) => ({ status: 200, body: { id: 25, appid: 5, date: "2024-01-01T00:00:00Z", priority: 0, ...(req.json as Json) } }),
    rateLimited: { status: 429, body: { error: "Too Many Requests", errorCode: 429, errorDescription: "too many requests" } },
    badRequest: { status: 400, body: { error: "Bad Request", errorCode: 400, errorDescription: "Field 'message' is required" } },
  };
}

// ---- Discord: Execute Webhook, POST /api/webhooks/{id}/{token} -------------------------------------

const DISCORD_KEYS = ["content", "username", "avatar_url", "tts", "embeds", "allowed_mentions", "components", "files", "payload_json", "attachments", "flags", "thread_name", "applied_tags", "poll"];
const EMBED_KEYS = ["title", "type", "description", "url", "timestamp", "color", "footer", "image", "thumbnail", "video", "provider", "author", "fields"];

export function discordContract(id: string, token: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      if (!/^\/api(\/v\d+)?\/webhooks\/\d+\/[\w-]+$/.test(req.path)) problems.push(`path ${req.path} is not /api/webhooks/{id}/{token}`);
      const wait = req.query.get("wait");
      if (wait !== null && wait !== "true" && wait !== "false") problems.push("wait must be a boolean");
      const body = expectJson(req, problems);
      onlyKeys(body, DISCORD_KEYS, "webhook", problems);
      if (body.content === undefined && body.embeds === undefined && body.components === undefined && body.poll === undefined) problems.push("one of content, embeds, components, files or poll is required");
      maxLength(body.content, 2000, "content", problems);
      maxLength(body.username, 80, "username", problems);
      if (isObject(body.allowed_mentions) && !(Array.isArray(body.allowed_mentions.parse) && body.allowed_mentions.parse.every((p) => ["roles", "users", "everyone"].includes(p as string)))) problems.push("allowed_mentions.parse holds roles, users or everyone");
      if (body.embeds !== undefined) {
        if (!Array.isArray(body.embeds) || body.embeds.length > 10) problems.push("embeds: an array of at most 10");
        let total = 0;
        for (const embed of Array.isArray(body.embeds) ? body.embeds : []) {
          if (!isObject(embed)) continue;
          onlyKeys(embed, EMBED_KEYS, "embed", problems);
          maxLength(embed.title, 256, "embed.title", problems);
          maxLength(embed.description, 4096, "embed.description", problems);
          if (embed.color !== undefined && !(Number.isInteger(embed.color) && (embed.color as number) >= 0 && (embed.color as number) <= 0xffffff)) problems.push("embed.color is an integer 0..0xFFFFFF");
          if (embed.timestamp !== undefined && Number.isNaN(Date.parse(String(embed.timestamp)))) problems.push("embed.timestamp is ISO8601");
          const fields = Array.isArray(embed.fields) ? (embed.fields as Json[]) : [];
          if (fields.length > 25) problems.push("embed.fields: at most 25");
          for (const field of fields) {
            maxLength(field.name, 256, "field.name", problems, true);
            maxLength(field.value, 1024, "field.value", problems, true);
          }
          total += chars(String(embed.title ?? "")) + chars(String(embed.description ?? "")) + fields.reduce((sum, f) => sum + chars(String(f.name)) + chars(String(f.value)), 0);
          total += chars(String((embed.footer as Json | undefined)?.text ?? ""));
        }
        if (total > 6000) problems.push("embeds exceed 6000 characters in all");
      }
      return problems;
    },
    auth(req) {
      const [, givenId, givenToken] = /\/webhooks\/([^/]+)\/([^/]+)$/.exec(req.path) ?? [];
      if (givenId !== id) return { status: 404, body: { message: "Unknown Webhook", code: 10015 } };
      return givenToken === token ? undefined : { status: 401, body: { message: "Invalid Webhook Token", code: 50027 } };
    },
    ok: (req) => (req.query.get("wait") === "true" ? { status: 200, body: { id: "1180000000000000000", type: 0, channel_id: "1170000000000000000", webhook_id: id, ...(req.json as Json) } } : { status: 204 }),
    rateLimited: { status: 429, headers: { "retry-after": "2", "x-ratelimit-scope": "shared" }, body: { message: "You are being rate limited.", retry_after: 1.5, global: false } },
    badRequest: { status: 400, body: { code: 50006, message: "Cannot send an empty message" } },
  };
}

// ---- Slack: incoming webhooks, POST /services/T…/B…/… ---------------------------------------------

export function slackContract(path: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["text", "blocks", "attachments", "mrkdwn", "thread_ts", "unfurl_links", "unfurl_media"], "payload", problems);
      if (typeof body.text !== "string" || body.text === "") {
        if (body.blocks === undefined) problems.push("no_text: text is required without blocks");
        else problems.push("text is expected as the notification fallback when blocks are used");
      }
      maxLength(body.text, 40_000, "text", problems);
      const blocks = body.blocks === undefined ? [] : Array.isArray(body.blocks) ? (body.blocks as Json[]) : (problems.push("blocks must be an array"), []);
      if (blocks.length > 50) problems.push("at most 50 blocks");
      for (const block of blocks) {
        const text = block.text as Json | undefined;
        if (block.type === "header") {
          if (text?.type !== "plain_text") problems.push("header text must be plain_text");
          maxLength(text?.text, 150, "header text", problems, true);
        } else if (block.type === "section") {
          if (text === undefined && block.fields === undefined) problems.push("section needs text or fields");
          if (text !== undefined && !["plain_text", "mrkdwn"].includes(String(text.type))) problems.push("section text type");
          maxLength(text?.text, 3000, "section text", problems);
          const fields = (block.fields as Json[] | undefined) ?? [];
          if (fields.length > 10) problems.push("section: at most 10 fields");
          for (const field of fields) maxLength(field.text, 2000, "section field", problems, true);
        } else if (block.type === "context") {
          const elements = (block.elements as Json[] | undefined) ?? [];
          if (elements.length === 0 || elements.length > 10) problems.push("context: 1-10 elements");
        } else problems.push(`block type ${String(block.type)} not expected here`);
      }
      return problems;
    },
    auth: (req) => (req.path === path ? undefined : { status: 403, body: "invalid_token" }),
    ok: () => ({ status: 200, body: "ok" }),
    rateLimited: { status: 429, headers: { "retry-after": "3" }, body: "rate_limited" },
    badRequest: { status: 400, body: "invalid_payload" },
  };
}

// ---- Telegram Bot API: POST /bot<token>/sendMessage ------------------------------------------------

const TELEGRAM_KEYS = ["business_connection_id", "chat_id", "message_thread_id", "text", "parse_mode", "entities", "link_preview_options", "disable_web_page_preview", "disable_notification", "protect_content", "allow_paid_broadcast", "message_effect_id", "reply_parameters", "reply_markup"];
const TELEGRAM_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"]);

/** Telegram's HTML mode: only its tags, and every other <, > and & escaped; returns the visible text. */
export function parseTelegramHtml(html: string, problems: string[]): string {
  const token = /<\/?([a-z-]+)(?:\s+[a-z-]+="[^"<>]*")*\s*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<>&]/g;
  let visible = "";
  let last = 0;
  for (const match of html.matchAll(token)) {
    visible += html.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === "<" || match[0] === ">" || match[0] === "&") problems.push(`Bad Request: can't parse entities: unescaped "${match[0]}" at byte offset ${match.index}`);
    else if (match[1] !== undefined && !TELEGRAM_TAGS.has(match[1])) problems.push(`Bad Request: can't parse entities: unsupported start tag "${match[1]}"`);
    else if (match[0].startsWith("&")) visible += "x";
  }
  return visible + html.slice(last);
}

export function telegramContract(token: string, chatId: number | string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST" && req.method !== "GET") problems.push(`method ${req.method}`);
      if (!/^\/bot[^/]+\/sendMessage$/.test(req.path)) problems.push(`path ${req.path} is not /bot<token>/sendMessage`);
      const body = expectJson(req, problems);
      onlyKeys(body, TELEGRAM_KEYS, "sendMessage", problems);
      if (typeof body.chat_id !== "number" && typeof body.chat_id !== "string") problems.push("chat_id is required");
      if (typeof body.text !== "string") problems.push("text is required");
      if (body.parse_mode !== undefined && !["HTML", "MarkdownV2", "Markdown"].includes(String(body.parse_mode))) problems.push("parse_mode");
      const visible = body.parse_mode === "HTML" && typeof body.text === "string" ? parseTelegramHtml(body.text, problems) : String(body.text ?? "");
      if (chars(visible) < 1 || chars(visible) > 4096) problems.push("Bad Request: message text must be 1-4096 characters after entities parsing");
      return problems;
    },
    auth(req) {
      if (req.path.split("/")[1] !== `bot${token}`) return { status: 401, body: { ok: false, error_code: 401, description: "Unauthorized" } };
      return String((req.json as Json).chat_id) === String(chatId) ? undefined : { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: chat not found" } };
    },
    ok: (req) => ({ status: 200, body: { ok: true, result: { message_id: 42, date: 1_700_000_000, chat: { id: chatId, type: "private" }, text: (req.json as Json).text } } }),
    rateLimited: { status: 429, body: { ok: false, error_code: 429, description: "Too Many Requests: retry after 3", parameters: { retry_after: 3 } } },
    badRequest: { status: 400, body: { ok: false, error_code: 400, description: "Bad Request: message text is empty" } },
  };
}

// ---- Matrix: PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId} ------------------

export function matrixContract(accessToken: string, roomId: string): ProviderContract & { events: Map<string, Json> } {
  const byTxn = new Map<string, string>();
  const events = new Map<string, Json>();
  return {
    events,
    check(req) {
      const problems: string[] = [];
      const match = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/([^/]+)\/([^/]+)$/.exec(req.path);
      if (req.method !== "PUT") problems.push(`method ${req.method}: sending an event is a PUT`);
      if (!match) problems.push(`path ${req.path}`);
      else {
        if (decodeURIComponent(match[1]!) !== roomId) problems.push("room id not the configured one, or not URL-encoded");
        if (match[2] !== "m.room.message") problems.push(`event type ${match[2]}`);
      }
      const body = expectJson(req, problems);
      if (typeof body.msgtype !== "string" || typeof body.body !== "string") problems.push("m.room.message needs msgtype and body");
      if (body.format !== undefined && (body.format !== "org.matrix.custom.html" || typeof body.formatted_body !== "string")) problems.push("format org.matrix.custom.html goes with formatted_body");
      return problems;
    },
    auth: (req) =>
      req.headers.authorization === `Bearer ${accessToken}` ? undefined : { status: 401, body: { errcode: "M_UNKNOWN_TOKEN", error: "Invalid access token passed." } },
    ok(req) {
      // The homeserver's idempotency: the same txnId from the same device answers the same event.
      const txn = req.path.split("/").pop()!;
      let eventId = byTxn.get(txn);
      if (!eventId) {
        eventId = `$ev${byTxn.size + 1}`;
        byTxn.set(txn, eventId);
        events.set(eventId, req.json as Json);
      }
      return { status: 200, body: { event_id: eventId } };
    },
    rateLimited: { status: 429, headers: { "retry-after": "2" }, body: { errcode: "M_LIMIT_EXCEEDED", error: "Too many requests", retry_after_ms: 2000 } },
    badRequest: { status: 403, body: { errcode: "M_FORBIDDEN", error: "User @bot:example.org not in room" } },
  };
}

// ---- Pushover: POST /1/messages.json -----------------------------------------------------------

export function pushoverContract(appToken: string, userKey: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST" || req.path !== "/1/messages.json") problems.push(`expected POST /1/messages.json, got ${req.method} ${req.path}`);
      if (!String(req.headers["content-type"]).startsWith("application/x-www-form-urlencoded")) problems.push("parameters are sent form-encoded");
      const form = new URLSearchParams(req.body);
      const allowed = ["token", "user", "message", "attachment_base64", "attachment_type", "device", "html", "monospace", "priority", "sound", "timestamp", "title", "ttl", "url", "url_title", "retry", "expire", "callback", "tags"];
      for (const key of form.keys()) if (!allowed.includes(key)) problems.push(`unknown parameter ${key}`);
      for (const key of ["token", "user", "message"]) if (!form.get(key)) problems.push(`${key} is required`);
      maxLength(form.get("message") ?? undefined, 1024, "message", problems);
      maxLength(form.get("title") ?? undefined, 250, "title", problems);
      maxLength(form.get("url") ?? undefined, 512, "url", problems);
      const priority = Number(form.get("priority") ?? "0");
      if (!Number.isInteger(priority) || priority < -2 || priority > 2) problems.push("priority is -2..2");
      if (priority === 2 && !(Number(form.get("retry")) >= 30 && Number(form.get("expire")) > 0 && Number(form.get("expire")) <= 10800)) problems.push("priority 2 needs retry >= 30 and expire <= 10800");
      if (form.get("timestamp") !== null && !/^\d+$/.test(form.get("timestamp")!)) problems.push("timestamp is a Unix time in seconds");
      return problems;
    },
    auth(req) {
      const form = new URLSearchParams(req.body);
      if (form.get("token") !== appToken) return { status: 400, body: { token: "invalid", errors: ["application token is invalid"], status: 0, request: "5042853c-402d-4a18-abcb-168734a801de" } };
      return form.get("user") === userKey ? undefined : { status: 400, body: { user: "invalid", errors: ["user identifier is not a valid user, group, or subscribed user key"], status: 0, request: "5042853c-402d-4a18-abcb-168734a801df" } };
    },
    ok: () => ({ status: 200, body: { status: 1, request: "647d2300-702c-4b38-8b2f-d56326ae460b" } }),
    rateLimited: { status: 429, body: { status: 0, errors: ["application has exceeded its monthly message limit"], request: "647d2300-702c-4b38-8b2f-d56326ae460c" } },
    badRequest: { status: 400, body: { message: "cannot be blank", errors: ["message cannot be blank"], status: 0, request: "647d2300-702c-4b38-8b2f-d56326ae460d" } },
  };
}

// ---- A generic JSON webhook receiver ------------------------------------------------------------

export function webhookContract(expectedHeaders: Record<string, string> = {}): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      expectJson(req, problems);
      return problems;
    },
    auth: (req) => (Object.entries(expectedHeaders).every(([name, value]) => req.headers[name.toLowerCase()] === value) ? undefined : { status: 401, body: { error: "unauthorized" } }),
    ok: () => ({ status: 204 }),
    rateLimited: { status: 429, headers: { "retry-after": "1" }, body: { error: "slow down" } },
    badRequest: { status: 422, body: { error: "field title missing" } },
  };
}
