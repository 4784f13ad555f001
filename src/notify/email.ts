// E-mail over SMTP with nodemailer. SMTP says which failures are worth a retry: 4xx replies are
// transient, 5xx permanent; connection trouble is transient, a refused login is not. Messages about
// one incident share a References header so that mail clients thread them.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, SendResult } from "./notifier.js";
import { redact } from "./http-delivery.js";
import { escapeHtml, scalarFields } from "./text.js";

const address = z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, { message: "an e-mail address: name@example.org" });

export const emailSchema = z
  .strictObject({
    host: z.string().min(1).describe("SMTP server host name or address."),
    port: z.number().int().min(1).max(65535).optional().describe("SMTP port; default 465 when secure, else 587."),
    secure: z.boolean().default(false).describe("Implicit TLS from the first byte (usually port 465)."),
    starttls: z
      .enum(["required", "opportunistic", "off"])
      .default("required")
      .describe('Without `secure`: upgrade with STARTTLS — "required" (refuse to send in clear), "opportunistic", or "off" (local relays only).'),
    ca_file: z.string().optional().describe("PEM file of a CA to trust, for a relay with a private certificate."),
    user: z.string().optional().describe("SMTP login name; omit for a relay that needs no login."),
    password: secretRef.optional().describe('SMTP password, as a secret reference ("env:NAME" or "file:/path").'),
    from: z.string().min(3).describe('Sender, e.g. "Understudy <understudy@example.org>".'),
    to: z.array(address).min(1).describe("Recipients."),
    subject_prefix: z.string().default("[understudy]").describe("Put before every subject, for filters."),
  })
  .refine((spec) => (spec.user === undefined) === (spec.password === undefined), { message: "user and password go together: give both or neither", path: ["password"] })
  .describe("E-mail via SMTP.");

type EmailSpec = z.output<typeof emailSchema>;

/** Nodemailer error codes for trouble reaching the server, as opposed to the server refusing. */
const TRANSIENT_CODES = new Set(["ECONNECTION", "ETIMEDOUT", "ESOCKET", "EDNS", "ECONNREFUSED", "ECONNRESET", "EPROTOCOL"]);

export function classifySmtpError(error: unknown, secrets: readonly string[]): SendResult {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const reason = redact((e.response ?? e.message ?? String(error)).replace(/\s+/g, " ").trim(), secrets).slice(0, 300);
  if (typeof e.responseCode === "number") {
    return { ok: false, reason: `SMTP ${e.responseCode}: ${reason}`, retryable: e.responseCode >= 400 && e.responseCode < 500 };
  }
  return { ok: false, reason: `${e.code ?? "error"}: ${reason}`, retryable: e.code !== undefined && TRANSIENT_CODES.has(e.code) };
}

export function emailMessage(spec: EmailSpec, n: Notification) {
  const fields = scalarFields(n.fields, 20);
  const text = [n.body, "", ...fields.map(([k, v]) => `${k}: ${v}`), ...(n.url ? ["", n.url] : [])].join("\n");
  const html = `<p>${escapeHtml(n.body).replace(/\n/g, "<br>")}</p>${fields.length > 0 ? `<table>${fields.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")}</table>` : ""}${n.url ? `<p><a href="${escapeHtml(n.url)}">Open in Understudy</a></p>` : ""}`;
  const thread = `<${encodeURIComponent(n.key)}@understudy>`;
  return {
    from: spec.from,
    to: spec.to,
    subject: `${spec.subject_prefix ? `${spec.subject_prefix} ` : ""}${n.title}`,
    text,
    html,
    date: new Date(n.at),
    references: thread,
    inReplyTo: n.event === "opened" ? undefined : thread,
    headers: { "X-Understudy-Key": n.key, "X-Understudy-Event": n.event, "X-Understudy-Severity": n.severity },
  };
}

export const email = defineNotifier({
  kind: "email",
  schema: emailSchema,
  describe: (spec) => `email to ${spec.to.join(", ")} via ${spec.host}`,
  async send(spec, n, ctx) {
    const password = spec.password === undefined ? undefined : await ctx.secret(spec.password);
    const ca = spec.ca_file === undefined ? undefined : await readFile(spec.ca_file, "utf8");
    // Loaded on first use: the config (and so every CLI command) imports this module for its schema.
    const { createTransport } = await import("nodemailer");
    const transport = createTransport({
      host: spec.host,
      port: spec.port ?? (spec.secure ? 465 : 587),
      secure: spec.secure,
      requireTLS: !spec.secure && spec.starttls === "required",
      ignoreTLS: !spec.secure && spec.starttls === "off",
      ...(ca === undefined ? {} : { tls: { ca } }),
      ...(spec.user !== undefined && password !== undefined ? { auth: { user: spec.user, pass: password } } : {}),
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    // nodemailer has no AbortSignal: closing the transport ends the attempt.
    const abort = () => transport.close();
    ctx.signal.addEventListener("abort", abort, { once: true });
    try {
      if (ctx.signal.aborted) return { ok: false, reason: "cancelled", retryable: true };
      await transport.sendMail(emailMessage(spec, n));
      return { ok: true };
    } catch (error) {
      return classifySmtpError(error, password === undefined ? [] : [password]);
    } finally {
      ctx.signal.removeEventListener("abort", abort);
      transport.close();
    }
  },
});
