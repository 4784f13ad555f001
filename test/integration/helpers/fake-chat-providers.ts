// Local stand-ins for the chat and push APIs added in issue 19 — Microsoft Teams Workflows, Google
// Chat, Mattermost, Rocket.Chat, Home Assistant, signal-cli-rest-api and Pushbullet — on 127.0.0.1,
// built like those in fake-providers.ts: each checks every request against the provider's documented
// API (method, path, auth, content type, the fields it accepts and requires, its limits), records what
// is wrong in `violations`, and answers as the provider does.
import { chars, expectJson, isObject, maxLength, onlyKeys } from "./fake-providers.js";
import type { Json, ProviderContract, RecordedRequest } from "./fake-providers.js";

function method(req: RecordedRequest, expected: string, problems: string[]): void {
  if (req.method !== expected) problems.push(`method ${req.method}, expected ${expected}`);
}

/** Slack-style message attachments, as Mattermost and Rocket.Chat document them. */
function checkAttachments(value: unknown, allowed: readonly string[], problems: string[]): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) return void problems.push("attachments must be an array");
  for (const attachment of value as unknown[]) {
    if (!isObject(attachment)) {
      problems.push("an attachment must be an object");
      continue;
    }
    onlyKeys(attachment, allowed, "attachment", problems);
    if (attachment.color !== undefined && !/^#[0-9a-fA-F]{6}$|^(good|warning|danger)$/.test(String(attachment.color))) problems.push("attachment.color is a hex colour or good/warning/danger");
    if (attachment.title_link !== undefined && !URL.canParse(String(attachment.title_link))) problems.push("attachment.title_link must be a URL");
    for (const field of Array.isArray(attachment.fields) ? (attachment.fields as unknown[]) : []) {
      if (!isObject(field) || typeof field.title !== "string" || typeof field.value !== "string" || (field.short !== undefined && typeof field.short !== "boolean")) problems.push("attachment field: { title, value, short? }");
    }
  }
}

// ---- Microsoft Teams: Workflows "When a Teams webhook request is received" ----------------------

const CARD_ELEMENTS = new Set(["TextBlock", "FactSet", "ColumnSet", "Container", "Image", "RichTextBlock", "ActionSet"]);

export function teamsContract(path: string, sig: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (req.path !== path) problems.push(`path ${req.path} is not the workflow's ${path}`);
      for (const param of ["api-version", "sp", "sv", "sig"]) if (!req.query.get(param)) problems.push(`query parameter ${param} is missing`);
      const body = expectJson(req, problems);
      if (body.type !== "message") problems.push('type must be "message"');
      const attachments = Array.isArray(body.attachments) ? (body.attachments as unknown[]) : [];
      if (attachments.length === 0) problems.push("attachments: at least one card");
      for (const attachment of attachments) {
        if (!isObject(attachment)) continue;
        if (attachment.contentType !== "application/vnd.microsoft.card.adaptive") problems.push(`contentType ${String(attachment.contentType)} is not an Adaptive Card`);
        const card = isObject(attachment.content) ? attachment.content : {};
        if (card.type !== "AdaptiveCard") problems.push('content.type must be "AdaptiveCard"');
        if (typeof card.version !== "string" || !/^1\.[0-5]$/.test(card.version)) problems.push("content.version: 1.0 to 1.5 (what Teams renders)");
        const elements = Array.isArray(card.body) ? (card.body as Json[]) : (problems.push("content.body must be an array"), []);
        for (const element of elements) {
          if (!CARD_ELEMENTS.has(String(element.type))) problems.push(`card element type ${String(element.type)}`);
          if (element.type === "TextBlock" && typeof element.text !== "string") problems.push("TextBlock.text is required");
          if (element.type === "FactSet" && !(Array.isArray(element.facts) && (element.facts as Json[]).every((fact) => typeof fact.title === "string" && typeof fact.value === "string"))) problems.push("FactSet.facts: [{ title, value }]");
        }
        for (const action of Array.isArray(card.actions) ? (card.actions as Json[]) : []) {
          if (action.type !== "Action.OpenUrl" || !URL.canParse(String(action.url))) problems.push("actions: Action.OpenUrl with a url");
        }
      }
      if (Buffer.byteLength(req.body) > 28_000) problems.push("a Teams message is at most 28 KB");
      return problems;
    },
    auth: (req) => (req.query.get("sig") === sig ? undefined : { status: 401, body: { error: { code: "DirectApiInvalidAuthorizationSignature", message: "The provided authorization signature is not valid." } } }),
    ok: () => ({ status: 202 }),
    rateLimited: { status: 429, headers: { "retry-after": "4" }, body: { error: { code: "WorkflowRequestsThrottled", message: "Number of requests exceeded the limit." } } },
    badRequest: { status: 400, body: { error: { code: "TriggerInputSchemaMismatch", message: "The input body for trigger 'manual' of type 'Request' did not match its schema definition." } } },
  };
}

// ---- Google Chat: POST /v1/spaces/{space}/messages?key=…&token=… -------------------------------

const REPLY_OPTIONS = ["MESSAGE_REPLY_OPTION_UNSPECIFIED", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD", "REPLY_MESSAGE_OR_FAIL"];

export function googleChatContract(space: string, key: string, token: string): ProviderContract & { threads: Map<string, string>; messages: { text: string; thread: string }[] } {
  const threads = new Map<string, string>();
  const messages: { text: string; thread: string }[] = [];
  return {
    threads,
    messages,
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (req.path !== `/v1/spaces/${space}/messages`) problems.push(`path ${req.path}`);
      const option = req.query.get("messageReplyOption");
      if (option !== null && !REPLY_OPTIONS.includes(option)) problems.push(`messageReplyOption ${option}`);
      if (req.query.get("threadKey") !== null) problems.push("the threadKey query parameter is deprecated: use thread.threadKey in the body");
      const body = expectJson(req, problems);
      onlyKeys(body, ["text", "cardsV2", "thread", "accessoryWidgets", "privateMessageViewer", "fallbackText"], "Message", problems);
      if (typeof body.text !== "string" && body.cardsV2 === undefined) problems.push("a message needs text or cardsV2");
      if (isObject(body.thread)) {
        maxLength(body.thread.threadKey, 4000, "thread.threadKey", problems);
        if (option === null || option === "MESSAGE_REPLY_OPTION_UNSPECIFIED") problems.push("thread.threadKey without messageReplyOption is ignored: the message starts a new thread");
      }
      if (Buffer.byteLength(req.body) > 32_000) problems.push("a message is at most 32,000 bytes");
      return problems;
    },
    auth(req) {
      if (req.query.get("key") !== key) return { status: 400, body: { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT" } } };
      return req.query.get("token") === token ? undefined : { status: 401, body: { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } } };
    },
    ok(req) {
      const body = req.json as Json;
      const threadKey = isObject(body.thread) ? String(body.thread.threadKey) : undefined;
      let thread = threadKey === undefined ? undefined : threads.get(threadKey);
      if (thread === undefined) {
        thread = `spaces/${space}/threads/t${threads.size + messages.length + 1}`;
        if (threadKey !== undefined) threads.set(threadKey, thread);
      }
      messages.push({ text: String(body.text), thread });
      return { status: 200, body: { name: `spaces/${space}/messages/m${messages.length}`, text: body.text, thread: { name: thread }, space: { name: `spaces/${space}` } } };
    },
    rateLimited: { status: 429, body: { error: { code: 429, message: "Resource has been exhausted (e.g. check quota).", status: "RESOURCE_EXHAUSTED" } } },
    badRequest: { status: 400, body: { error: { code: 400, message: 'Invalid JSON payload received. Unknown name "txt": Cannot find field.', status: "INVALID_ARGUMENT" } } },
  };
}

// ---- Mattermost: POST /hooks/{id} --------------------------------------------------------------

export function mattermostContract(hookId: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (!/^\/hooks\/[a-z0-9]{26}$/.test(req.path)) problems.push(`path ${req.path} is not /hooks/<26-character id>`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["text", "channel", "username", "icon_url", "icon_emoji", "attachments", "props", "type", "priority"], "webhook", problems);
      if ((typeof body.text !== "string" || body.text === "") && !(Array.isArray(body.attachments) && body.attachments.length > 0)) problems.push("No text specified: text or attachments is required");
      maxLength(body.text, 16_383, "text", problems);
      checkAttachments(body.attachments, ["fallback", "color", "pretext", "text", "author_name", "author_link", "author_icon", "title", "title_link", "fields", "image_url", "thumb_url", "footer", "footer_icon", "actions"], problems);
      return problems;
    },
    auth: (req) => (req.path === `/hooks/${hookId}` ? undefined : { status: 400, body: { id: "web.incoming_webhook.invalid.app_error", message: "Invalid webhook.", detailed_error: "", request_id: "8ybw3yh9h7ngjqxq5o1aqsbpfo", status_code: 400 } }),
    ok: () => ({ status: 200, body: "ok" }),
    rateLimited: { status: 429, headers: { "retry-after": "1", "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0" }, body: "limit exceeded" },
    badRequest: { status: 400, body: { id: "web.incoming_webhook.text.app_error", message: "No text specified.", detailed_error: "", request_id: "7ybw3yh9h7ngjqxq5o1aqsbpfo", status_code: 400 } },
  };
}

// ---- Rocket.Chat: POST /hooks/{integrationId}/{token} -------------------------------------------

export function rocketChatContract(integrationId: string, token: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (!/^\/hooks\/[^/]+\/[^/]+$/.test(req.path)) problems.push(`path ${req.path} is not /hooks/<id>/<token>`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["text", "alias", "emoji", "avatar", "channel", "roomId", "attachments", "tmid"], "webhook", problems);
      if (typeof body.text !== "string" && body.attachments === undefined) problems.push("text or attachments is required");
      if (body.channel !== undefined && !/^[#@]/.test(String(body.channel))) problems.push("channel is #name or @user");
      checkAttachments(body.attachments, ["color", "text", "ts", "thumb_url", "message_link", "collapsed", "author_name", "author_link", "author_icon", "title", "title_link", "title_link_download", "image_url", "audio_url", "video_url", "fields"], problems);
      for (const attachment of Array.isArray(body.attachments) ? (body.attachments as Json[]) : []) {
        if (attachment.ts !== undefined && Number.isNaN(Date.parse(String(attachment.ts)))) problems.push("attachment.ts is a date");
      }
      return problems;
    },
    auth: (req) => (req.path === `/hooks/${integrationId}/${token}` ? undefined : { status: 404, body: { success: false, error: "Invalid integration id or token provided." } }),
    ok: () => ({ status: 200, body: { success: true } }),
    rateLimited: { status: 429, headers: { "x-ratelimit-limit": "10", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000005000" }, body: { success: false, error: "Error, too many requests. Please slow down. You must wait 5 seconds before trying this endpoint again. [error-too-many-requests]" } },
    badRequest: { status: 400, body: { success: false, error: "invalid-channel" } },
  };
}

// ---- Home Assistant: POST /api/services/notify/{service} ----------------------------------------

export function homeAssistantContract(token: string, services: readonly string[]): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (!/^\/api\/services\/notify\/[a-z0-9_]+$/.test(req.path)) problems.push(`path ${req.path} is not /api/services/notify/<service>`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["message", "title", "target", "data"], "notify service data", problems);
      if (typeof body.message !== "string" || body.message === "") problems.push("message is required");
      if (body.data !== undefined && !isObject(body.data)) problems.push("data must be an object");
      return problems;
    },
    auth(req) {
      if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: "401: Unauthorized" };
      const service = req.path.split("/").pop()!;
      return services.includes(service) ? undefined : { status: 400, body: { message: `Service notify.${service} not found.` } };
    },
    ok: () => ({ status: 200, body: [] }),
    // Home Assistant itself does not rate-limit; a reverse proxy in front of it may.
    rateLimited: { status: 429, body: "429 Too Many Requests" },
    badRequest: { status: 400, body: { message: "Invalid JSON specified." } },
  };
}

// ---- signal-cli-rest-api: POST /v2/send ----------------------------------------------------------

export function signalContract(number: string, proxyAuthorization?: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (req.path !== "/v2/send") problems.push(`path ${req.path} is not /v2/send`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["message", "number", "recipients", "base64_attachments", "text_mode", "mentions", "quote_timestamp", "quote_author", "quote_message", "quote_mentions", "sticker", "edit_timestamp", "notify_self", "link_preview", "view_once"], "send request", problems);
      if (typeof body.number !== "string") problems.push("number is required");
      if (!Array.isArray(body.recipients) || body.recipients.length === 0 || !body.recipients.every((r) => typeof r === "string")) problems.push("recipients: a non-empty array of strings");
      if (typeof body.message !== "string") problems.push("message is required");
      if (body.text_mode !== undefined && body.text_mode !== "normal" && body.text_mode !== "styled") problems.push("text_mode is normal or styled");
      return problems;
    },
    auth(req) {
      if (proxyAuthorization !== undefined && req.headers.authorization !== proxyAuthorization) return { status: 401, body: "401 Unauthorized" };
      return (req.json as Json).number === number ? undefined : { status: 400, body: { error: `User ${String((req.json as Json).number)} is not registered.` } };
    },
    ok: () => ({ status: 201, body: { timestamp: "1735787045000" } }),
    rateLimited: { status: 429, body: { error: "Rate limit exceeded" } },
    badRequest: { status: 400, body: { error: "Couldn't process request - invalid request" } },
  };
}

// ---- Pushbullet: POST /v2/pushes -----------------------------------------------------------------

const PUSHBULLET_ERROR = (code: string, message: string) => ({ error: { code, type: "invalid_request", message, cat: "(=^‥^=)" }, error_code: code });

export function pushbulletContract(accessToken: string): ProviderContract {
  return {
    check(req) {
      const problems: string[] = [];
      method(req, "POST", problems);
      if (req.path !== "/v2/pushes") problems.push(`path ${req.path} is not /v2/pushes`);
      const body = expectJson(req, problems);
      onlyKeys(body, ["type", "title", "body", "url", "file_name", "file_type", "file_url", "device_iden", "email", "channel_tag", "client_iden", "source_device_iden", "guid"], "push", problems);
      if (!["note", "link", "file"].includes(String(body.type))) problems.push("type is note, link or file");
      if (body.type === "link" && (typeof body.url !== "string" || !URL.canParse(body.url))) problems.push("a link push needs url");
      if (body.type === "note" && body.url !== undefined) problems.push("url belongs to link pushes");
      if (["device_iden", "email", "channel_tag", "client_iden"].filter((target) => body[target] !== undefined).length > 1) problems.push("at most one target");
      if (chars(String(body.body ?? "")) > 65_536) problems.push("body is too long");
      return problems;
    },
    auth: (req) => (req.headers["access-token"] === accessToken ? undefined : { status: 401, body: PUSHBULLET_ERROR("invalid_access_token", "Access token is missing or invalid.") }),
    ok: (req) => ({ status: 200, body: { active: true, iden: "ujpah72o0sjAoRtnM0jc", created: 1_735_787_045.1, modified: 1_735_787_045.1, dismissed: false, direction: "self", sender_name: "Ops", ...(req.json as Json) } }),
    rateLimited: { status: 429, headers: { "x-ratelimit-limit": "16384", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1735790000" }, body: PUSHBULLET_ERROR("too_many_requests", "You have been ratelimited for making too many requests to the server.") },
    badRequest: { status: 400, body: PUSHBULLET_ERROR("invalid_request", "Invalid type.") },
  };
}
