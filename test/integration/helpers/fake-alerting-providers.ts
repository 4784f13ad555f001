// Local stand-ins for the alerting APIs added in issue 19 — PagerDuty Events API v2 (and its Change
// Events), the Opsgenie Alert API and an apprise-api server — on 127.0.0.1, built like those in
// fake-providers.ts. Besides checking each request against the documented API they keep the state a
// user would look at: PagerDuty's alerts by dedup_key, Opsgenie's alerts by alias, apprise-api's saved
// configurations by key.
import { expectJson, isObject, maxLength, onlyKeys } from "./fake-providers.js";
import type { Json, ProviderContract } from "./fake-providers.js";

// ---- PagerDuty Events API v2: POST /v2/enqueue and /v2/change/enqueue ---------------------------

export interface PagerdutyAlert {
  status: "triggered" | "resolved";
  summary: string;
  severity: string;
  events: number;
}

export function pagerdutyContract(routingKey: string): ProviderContract & { alerts: Map<string, PagerdutyAlert>; changes: Json[] } {
  const alerts = new Map<string, PagerdutyAlert>();
  const changes: Json[] = [];
  return {
    alerts,
    changes,
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      const body = expectJson(req, problems);
      if (typeof body.routing_key !== "string" || body.routing_key.length !== 32) problems.push("routing_key: the 32-character integration key");
      for (const link of Array.isArray(body.links) ? (body.links as unknown[]) : []) if (!isObject(link) || typeof link.href !== "string") problems.push("links: [{ href, text? }]");
      const payload = isObject(body.payload) ? body.payload : undefined;
      if (req.path === "/v2/change/enqueue") {
        onlyKeys(body, ["routing_key", "payload", "links", "images"], "change event", problems);
        if (!payload) problems.push("payload is required");
        else {
          onlyKeys(payload, ["summary", "timestamp", "source", "custom_details"], "change payload", problems);
          maxLength(payload.summary, 1024, "payload.summary", problems, true);
        }
        return problems;
      }
      if (req.path !== "/v2/enqueue") return [...problems, `path ${req.path} is neither /v2/enqueue nor /v2/change/enqueue`];
      onlyKeys(body, ["routing_key", "event_action", "dedup_key", "payload", "images", "links", "client", "client_url"], "event", problems);
      if (!["trigger", "acknowledge", "resolve"].includes(String(body.event_action))) problems.push("event_action is trigger, acknowledge or resolve");
      maxLength(body.dedup_key, 255, "dedup_key", problems, body.event_action !== "trigger");
      if (body.event_action === "trigger") {
        if (!payload) problems.push("payload is required to trigger");
        else {
          onlyKeys(payload, ["summary", "source", "severity", "timestamp", "component", "group", "class", "custom_details"], "payload", problems);
          maxLength(payload.summary, 1024, "payload.summary", problems, true);
          maxLength(payload.source, 255, "payload.source", problems, true);
          if (!["critical", "error", "warning", "info"].includes(String(payload.severity))) problems.push("payload.severity is critical, error, warning or info");
          if (payload.timestamp !== undefined && Number.isNaN(Date.parse(String(payload.timestamp)))) problems.push("payload.timestamp is ISO 8601");
          if (payload.custom_details !== undefined && !isObject(payload.custom_details)) problems.push("payload.custom_details is an object");
        }
      }
      if (body.client_url !== undefined && !URL.canParse(String(body.client_url))) problems.push("client_url must be a URL");
      return problems;
    },
    auth: (req) => ((req.json as Json | undefined)?.routing_key === routingKey ? undefined : { status: 400, body: { status: "invalid event", message: "Event object is invalid", errors: ["Invalid routing key"] } }),
    ok(req) {
      const body = req.json as Json;
      if (req.path === "/v2/change/enqueue") {
        changes.push(body);
        return { status: 202, body: { status: "success", message: "Change event processed" } };
      }
      const dedupKey = String(body.dedup_key ?? `generated-${alerts.size + 1}`);
      const existing = alerts.get(dedupKey);
      const payload = (body.payload ?? {}) as Json;
      if (body.event_action === "trigger") {
        // A trigger for an open alert is folded into it; after a resolve it opens a new one.
        if (existing && existing.status === "triggered") existing.events++;
        else alerts.set(dedupKey, { status: "triggered", summary: String(payload.summary), severity: String(payload.severity), events: 1 });
      } else if (body.event_action === "resolve" && existing) existing.status = "resolved";
      return { status: 202, body: { status: "success", message: "Event processed", dedup_key: dedupKey } };
    },
    rateLimited: { status: 429, body: { status: "throttle event", message: "Requests for this service are arriving too quickly.  Please retry later." } },
    badRequest: { status: 400, body: { status: "invalid event", message: "Event object is invalid", errors: ["'payload.summary' is missing or blank"] } },
  };
}

// ---- Opsgenie Alert API: POST /v2/alerts, POST /v2/alerts/{identifier}/close ---------------------

export interface OpsgenieAlert {
  status: "open" | "closed";
  message: string;
  priority: string;
  count: number;
  note?: string;
}

const OPSGENIE_ANSWER = { status: 202, body: { result: "Request will be processed", took: 0.107, requestId: "43a29c5c-3dbf-4fa4-9c26-f4f71023e120" } };

export function opsgenieContract(apiKey: string): ProviderContract & { alerts: Map<string, OpsgenieAlert> } {
  const alerts = new Map<string, OpsgenieAlert>();
  return {
    alerts,
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      const body = expectJson(req, problems);
      const close = /^\/v2\/alerts\/([^/]+)\/close$/.exec(req.path);
      if (close) {
        const type = req.query.get("identifierType") ?? "id";
        if (!["id", "tiny", "alias"].includes(type)) problems.push(`identifierType ${type}`);
        if (type !== "alias") problems.push("closing by alias needs identifierType=alias (the default is id)");
        onlyKeys(body, ["user", "source", "note"], "close request", problems);
        maxLength(body.note, 25_000, "note", problems);
        maxLength(body.source, 100, "source", problems);
        return problems;
      }
      if (req.path !== "/v2/alerts") return [...problems, `path ${req.path}`];
      onlyKeys(body, ["message", "alias", "description", "responders", "visibleTo", "actions", "tags", "details", "entity", "source", "priority", "user", "note"], "create alert", problems);
      maxLength(body.message, 130, "message", problems, true);
      maxLength(body.alias, 512, "alias", problems);
      maxLength(body.description, 15_000, "description", problems);
      maxLength(body.source, 100, "source", problems);
      if (body.priority !== undefined && !/^P[1-5]$/.test(String(body.priority))) problems.push("priority is P1..P5");
      if (body.tags !== undefined && !(Array.isArray(body.tags) && body.tags.length <= 20 && body.tags.every((tag) => typeof tag === "string" && tag.length <= 50))) problems.push("tags: at most 20 strings of 50 characters");
      if (body.details !== undefined && !(isObject(body.details) && Object.values(body.details).every((value) => typeof value === "string"))) problems.push("details: a map of strings");
      for (const responder of Array.isArray(body.responders) ? (body.responders as Json[]) : []) {
        if (!["team", "user", "escalation", "schedule"].includes(String(responder.type)) || (responder.id === undefined && responder.name === undefined && responder.username === undefined)) problems.push("responders: [{ type, id | name | username }]");
      }
      return problems;
    },
    auth: (req) => (req.headers.authorization === `GenieKey ${apiKey}` ? undefined : { status: 401, body: { message: "Could not authenticate", took: 0.001, requestId: "b2b4e9a3-4bd4-4d0b-bf3a-0f1c3f8d7e01" } }),
    ok(req) {
      const body = req.json as Json;
      const close = /^\/v2\/alerts\/([^/]+)\/close$/.exec(req.path);
      if (close) {
        const alert = alerts.get(decodeURIComponent(close[1]!));
        if (alert) Object.assign(alert, { status: "closed", note: body.note as string | undefined });
        return OPSGENIE_ANSWER;
      }
      const alias = String(body.alias ?? body.message);
      const open = alerts.get(alias);
      // One open alert per alias: a repeat raises its count (Opsgenie's de-duplication).
      if (open && open.status === "open") open.count++;
      else alerts.set(alias, { status: "open", message: String(body.message), priority: String(body.priority ?? "P3"), count: 1 });
      return OPSGENIE_ANSWER;
    },
    rateLimited: { status: 429, body: { message: "You are making too many requests! To avoid errors, we recommend you limit requests.", took: 0.0, requestId: "d6c2e7a0-1b7a-4f5e-9d7c-2e8f6a3b4c5d" } },
    badRequest: { status: 422, body: { message: "Request body is not processable. Please check the errors.", errors: { message: "Message can not be empty." }, took: 0.0, requestId: "e7d3f8b1-2c8b-4a6f-8e8d-3f9a7b4c5d6e" } },
  };
}

// ---- apprise-api: POST /notify/{KEY} (saved URLs) and POST /notify (stateless) -------------------

export function appriseApiContract(saved: Record<string, string>, proxyAuthorization?: string): ProviderContract & { failing: boolean; delivered: { urls: string; title: string; body: string; type: string }[] } {
  const delivered: { urls: string; title: string; body: string; type: string }[] = [];
  const contract = {
    failing: false,
    delivered,
    check(req) {
      const problems: string[] = [];
      if (req.method !== "POST") problems.push(`method ${req.method}`);
      if (!/^\/notify(\/[\w-]{1,128})?\/?$/.test(req.path)) problems.push(`path ${req.path} is neither /notify nor /notify/{KEY}`);
      if (!String(req.headers.accept ?? "").includes("application/json")) problems.push("without Accept: application/json the answers are plain text");
      const body = expectJson(req, problems);
      onlyKeys(body, ["body", "title", "type", "format", "tag", "tags", "urls", "attach", "attachment"], "notify payload", problems);
      if (typeof body.body !== "string" || body.body === "") problems.push("body is required");
      if (body.type !== undefined && !["info", "success", "warning", "failure"].includes(String(body.type))) problems.push("type is info, success, warning or failure");
      if (body.format !== undefined && !["text", "markdown", "html"].includes(String(body.format))) problems.push("format is text, markdown or html");
      if (req.path.startsWith("/notify/") && body.urls !== undefined) problems.push("urls belong to the stateless /notify");
      return problems;
    },
    auth(req) {
      if (proxyAuthorization !== undefined && req.headers.authorization !== proxyAuthorization) return { status: 401, body: "401 Unauthorized" };
      return undefined;
    },
    ok(req) {
      const body = req.json as Json;
      const key = /^\/notify\/([\w-]+)/.exec(req.path)?.[1];
      const urls = key === undefined ? String(body.urls ?? "") : saved[key];
      // 204: nothing saved under the key (or no URL given); HTTP gives a 204 no body.
      if (urls === undefined || urls.trim() === "") return { status: 204 };
      if (contract.failing) return { status: 424, body: { error: "One or more notification could not be sent", details: [] } };
      delivered.push({ urls, title: String(body.title ?? ""), body: String(body.body), type: String(body.type ?? "info") });
      return { status: 200, body: { error: null, details: [] } };
    },
    rateLimited: { status: 429, body: "429 Too Many Requests" },
    badRequest: { status: 400, body: { error: "Payload lacks minimum requirements" } },
  } satisfies ProviderContract & { failing: boolean; delivered: unknown[] };
  return contract;
}
