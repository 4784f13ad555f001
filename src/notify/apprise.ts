// Apprise: one kind that reaches 100+ services (github.com/caronc/apprise), in either of its two forms.
//
//   CLI      no api_url: runs `apprise --title T --body B --notification-type TYPE [--tag TAG]`, with
//            the Apprise URLs from the secret `urls` in the environment variable APPRISE_URLS (so
//            they never show in the process list), or an Apprise config file with --config. Exit
//            codes: 0 sent, 1 at least one service failed, 2 bad arguments, 3 nothing matched.
//   API      api_url: POSTs JSON { title, body, type, format, tag?, urls? } to an apprise-api
//            server: /notify/KEY (URLs saved on the server under KEY) or /notify (stateless: the
//            secret `urls`, or the server's APPRISE_STATELESS_URLS). It answers 200 when sent,
//            204 when KEY has no configuration (or no valid URL was given), 424 when at least one
//            service failed, 400 for a bad payload.
import { spawn } from "node:child_process";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { defineNotifier } from "./notifier.js";
import type { Notification, SendResult, Severity } from "./notifier.js";
import { redact, sendHttp, tryJson } from "./http-delivery.js";
import { truncate } from "./text.js";

/** Apprise's notification types: info, success, warning, failure. */
const TYPE: Record<Severity, string> = { critical: "failure", high: "failure", normal: "warning", low: "info" };

export const appriseSchema = z
  .strictObject({
    urls: secretRef.optional().describe('The Apprise URLs (space, comma or newline separated, e.g. "tgram://TOKEN/CHAT mailtos://…") as a secret reference: they carry credentials.'),
    config: z.string().startsWith("/", { message: "an absolute path" }).optional().describe("CLI only: an Apprise config file (TEXT or YAML) passed as --config, instead of urls."),
    tag: z.string().regex(/^[\w ,.-]+$/, { message: "tag names separated by , (or) and space (and)" }).optional().describe("Only the URLs with these tags (a comma means or, a space means and)."),
    command: z.string().min(1).default("apprise").describe("CLI only: the apprise executable (a name looked up on PATH, or a path)."),
    api_url: z.url({ protocol: /^https?$/ }).optional().describe("apprise-api server base URL (e.g. http://apprise:8000); without it the apprise CLI is run."),
    key: z.string().regex(/^[\w-]{1,128}$/, { message: "the configuration key: letters, digits, _ and -" }).optional().describe("API only: the key the URLs are saved under on the server (POST /notify/KEY)."),
    authorization: secretRef.optional().describe("API only: an Authorization header value for a server behind a proxy, as a secret reference."),
  })
  .superRefine((spec, ctx) => {
    if (spec.api_url === undefined) {
      if (spec.urls === undefined && spec.config === undefined) ctx.addIssue({ code: "custom", message: "the apprise CLI needs urls (a secret reference) or config (a config file); or give api_url for an apprise-api server", path: ["urls"] });
      for (const key of ["key", "authorization"] as const) if (spec[key] !== undefined) ctx.addIssue({ code: "custom", message: `${key} is for an apprise-api server: give api_url too`, path: [key] });
    } else {
      if (spec.config !== undefined) ctx.addIssue({ code: "custom", message: "config is for the apprise CLI; an apprise-api server keeps configurations under a key", path: ["config"] });
      if (spec.key !== undefined && spec.urls !== undefined) ctx.addIssue({ code: "custom", message: "give key (URLs saved on the server) or urls (sent with each message), not both", path: ["key"] });
    }
  })
  .describe("Apprise: 100+ services through the apprise CLI or an apprise-api server.");

type Spec = z.output<typeof appriseSchema>;

export function appriseMessage(n: Notification): { title: string; body: string; type: string } {
  const title = truncate(`${n.event === "resolved" ? "✅ " : ""}${n.title}`, 250);
  const body = truncate(`${n.body || n.title}${n.url ? `\n${n.url}` : ""}`, 4000);
  return { title, body, type: n.event === "resolved" ? "success" : TYPE[n.severity] };
}

/** The CLI's arguments (never the URLs: they travel in APPRISE_URLS). */
export function appriseArgs(spec: Spec, n: Notification): string[] {
  const { title, body, type } = appriseMessage(n);
  return [`--title=${title}`, `--body=${body}`, `--notification-type=${type}`, "--input-format=text", ...(spec.config ? [`--config=${spec.config}`] : []), ...(spec.tag ? [`--tag=${spec.tag}`] : [])];
}

const EXIT_REASON: Record<number, { reason: string; retryable: boolean }> = {
  1: { reason: "at least one service could not be notified", retryable: true },
  2: { reason: "apprise refused its arguments or the URLs", retryable: false },
  3: { reason: "no service matched (no URLs loaded, or the tag matches none)", retryable: false },
};

async function runCli(spec: Spec, n: Notification, urls: string | undefined, signal: AbortSignal): Promise<SendResult> {
  const secrets = urls === undefined ? [] : [urls, ...urls.split(/[\s,]+/)];
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.APPRISE_URLS;
  if (urls !== undefined) env.APPRISE_URLS = urls;
  return new Promise<SendResult>((resolve) => {
    let output = "";
    const child = spawn(spec.command, appriseArgs(spec, n), { env, signal, stdio: ["ignore", "pipe", "pipe"] });
    const keep = (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4000));
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.name === "AbortError") resolve({ ok: false, reason: "apprise timed out or was cancelled", retryable: true });
      else if (error.code === "ENOENT") resolve({ ok: false, reason: `${spec.command} not found: install Apprise (pipx install apprise) or set apprise.command to its path`, retryable: false });
      else resolve({ ok: false, reason: `cannot run ${spec.command} (${error.code ?? error.name})`, retryable: false });
    });
    child.on("close", (code, killed) => {
      if (code === 0) return resolve({ ok: true });
      const last = redact(output, secrets).trim().split("\n").filter((line) => line.trim() !== "").pop()?.trim().slice(0, 200);
      const known = code === null ? { reason: `killed by ${killed ?? "a signal"}`, retryable: true } : (EXIT_REASON[code] ?? { reason: "failed", retryable: false });
      resolve({ ok: false, reason: `apprise exit ${code ?? killed}: ${known.reason}${last ? ` (${last})` : ""}`, retryable: known.retryable });
    });
  });
}

async function postApi(spec: Spec, n: Notification, urls: string | undefined, authorization: string | undefined, signal: AbortSignal): Promise<SendResult> {
  const base = spec.api_url!.replace(/\/+$/, "");
  const { title, body, type } = appriseMessage(n);
  const result = await sendHttp({
    method: "POST",
    url: spec.key === undefined ? `${base}/notify` : `${base}/notify/${spec.key}`,
    headers: { accept: "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: { title, body, type, format: "text", ...(spec.tag ? { tag: spec.tag } : {}), ...(urls === undefined ? {} : { urls }) },
    signal,
    secrets: [...(urls === undefined ? [] : [urls, ...urls.split(/[\s,]+/)]), ...(authorization === undefined ? [] : [authorization])],
    errorText: (text) => {
      const json = tryJson(text) as { error?: unknown } | undefined;
      return typeof json?.error === "string" ? json.error : undefined;
    },
    // 204: no configuration under the key, or no valid URL; the body is empty by HTTP's rules.
    checkOk: (text) => (text.trim() === "" ? `HTTP 204: apprise-api has ${spec.key === undefined ? "no valid URL to notify" : `no configuration under the key ${spec.key}`}` : undefined),
  });
  // 424: some service behind Apprise failed, which a later try may get through.
  return !result.ok && result.reason.startsWith("HTTP 424") ? { ...result, retryable: true } : result;
}

export const apprise = defineNotifier({
  kind: "apprise",
  schema: appriseSchema,
  describe: (spec) => (spec.api_url === undefined ? `apprise CLI (${spec.config ? `config ${spec.config}` : "urls"}${spec.tag ? `, tag ${spec.tag}` : ""})` : `apprise-api ${new URL(spec.api_url).host}${spec.key ? ` key ${spec.key}` : ""}`),
  async send(spec, n, ctx) {
    const urls = spec.urls === undefined ? undefined : await ctx.secret(spec.urls);
    if (spec.api_url === undefined) return runCli(spec, n, urls, ctx.signal);
    const authorization = spec.authorization === undefined ? undefined : await ctx.secret(spec.authorization);
    return postApi(spec, n, urls, authorization, ctx.signal);
  },
});
