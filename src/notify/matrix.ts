// Matrix: PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId} with a bearer access
// token (Client-Server API, "Sending events to a room"). The txnId is derived from the notification
// itself, so every retry of one message reuses it and the homeserver stores the event once even when
// our first attempt timed out after it had arrived. A different message gets a different txnId.
// msgtype is m.text by default: clients' default push rules mute m.notice, and alerts must ring.
import { createHash } from "node:crypto";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, Severity } from "./notifier.js";
import { sendHttp, tryJson } from "./http-delivery.js";
import { escapeHtml } from "./text.js";

const ICON: Record<Severity, string> = { critical: "🚨", high: "⚠️", normal: "ℹ️", low: "💬" };

export const matrixSchema = z
  .strictObject({
    homeserver: z.url({ protocol: /^https?$/ }).describe("Client-server base URL of the homeserver, e.g. https://matrix.example.org."),
    access_token: secretRef.describe('Access token of the bot account, as a secret reference ("env:NAME" or "file:/path").'),
    room_id: z.string().regex(/^![^\s]+$/, { message: "a room ID such as !abcdef:example.org (not an #alias)" }).describe("The room ID (starts with !; find it in the room's settings)."),
    msgtype: z.enum(["m.text", "m.notice"]).default("m.text").describe("m.text notifies as usual; m.notice is muted by default in most clients."),
  })
  .describe("Matrix room message.");

/** Same notification → same txnId (retries dedupe on the homeserver); any difference → a new one. */
export function matrixTxnId(n: Notification, roomId: string): string {
  const digest = createHash("sha256").update(JSON.stringify([roomId, n.key, n.event, n.at, n.title, n.body])).digest("base64url");
  return `understudy.${digest.slice(0, 32)}`;
}

/** encodeURIComponent leaves "!" alone; the spec's examples encode room IDs fully (%21…%3A). */
function encodeSegment(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function matrixContent(n: Notification, msgtype: string): Record<string, unknown> {
  const icon = n.event === "resolved" ? "✅" : ICON[n.severity];
  const plain = `${icon} ${n.title}\n${n.body}${n.url ? `\n${n.url}` : ""}`;
  const html = `${icon} <strong>${escapeHtml(n.title)}</strong><br>${escapeHtml(n.body).replace(/\n/g, "<br>")}${n.url ? `<br><a href="${escapeHtml(n.url)}">Open</a>` : ""}`;
  return { msgtype, body: plain, format: "org.matrix.custom.html", formatted_body: html };
}

export const matrix = defineNotifier({
  kind: "matrix",
  schema: matrixSchema,
  describe: (spec) => `matrix ${spec.room_id} on ${new URL(spec.homeserver).host}`,
  async send(spec, n, ctx) {
    const token = await ctx.secret(spec.access_token);
    const base = spec.homeserver.endsWith("/") ? spec.homeserver : `${spec.homeserver}/`;
    const path = `_matrix/client/v3/rooms/${encodeSegment(spec.room_id)}/send/m.room.message/${encodeURIComponent(matrixTxnId(n, spec.room_id))}`;
    return sendHttp({
      method: "PUT",
      url: new URL(path, base).toString(),
      headers: { authorization: `Bearer ${token}` },
      body: matrixContent(n, spec.msgtype),
      signal: ctx.signal,
      secrets: [token],
      // Matrix errors: {"errcode":"M_FORBIDDEN","error":"…"}; 429 M_LIMIT_EXCEEDED adds retry_after_ms.
      errorText: (text) => {
        const json = tryJson(text) as { errcode?: unknown; error?: unknown } | undefined;
        return typeof json?.errcode === "string" ? `${json.errcode}${typeof json.error === "string" ? `: ${json.error}` : ""}` : undefined;
      },
      retryAfterFromBody: (text) => {
        const json = tryJson(text) as { retry_after_ms?: unknown } | undefined;
        return typeof json?.retry_after_ms === "number" ? json.retry_after_ms : undefined;
      },
    });
  },
});
