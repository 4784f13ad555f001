// Keeps secrets out of what a probe reports. A probe's message, reason and details go to /api/status,
// the dashboard, `understudy check`, notifications and the store, so none may carry a password: not the
// one written in a URL's userinfo ("https://monitor:pw@host/", which http(s) sends as Basic auth), and
// not a value read through ctx.secret that the target echoed back (a command printing its environment,
// a server quoting the header it refused). defineProbe applies this to every kind's results.

/** Secrets shorter than this are not searched for: replacing every "1" or "ok" would garble messages, not hide anything. */
const MIN_SECRET_LENGTH = 4;
const MASK = "***";

// scheme://user:password@ — the password runs to the last "@" before the path, so one holding a raw "@" is masked whole.
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#]*)@/gi;

/** Masks the password of every URL written in the text: "https://monitor:***@host/". */
export function redactUrlPasswords(text: string): string {
  return text.includes("@") ? text.replace(URL_PASSWORD, `$1$2:${MASK}@`) : text;
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = redactUrlPasswords(text);
  for (const secret of secrets) if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.replaceAll(secret, MASK);
  return out;
}

function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, secrets)]));
  return value;
}

interface Reported {
  reason?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** The result with URL passwords and the given secret values masked in its message, reason and details. */
export function redactResult<R extends Reported>(result: R, secrets: readonly string[]): R {
  const out = { ...result, message: redactText(result.message, secrets) };
  if (result.reason !== undefined) out.reason = redactText(result.reason, secrets);
  if (result.details !== undefined) out.details = redactValue(result.details, secrets) as Record<string, unknown>;
  return out;
}
