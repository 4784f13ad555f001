// Gatus alerting providers (`alerting: { discord: { webhook-url }, … }`) → notifiers, keys as Gatus'
// README names them. Tokens become "env:NAME"; a value written as Gatus' own "${VAR}" keeps its variable.
import type { ConfigBuilder, Json } from "./builder.js";

/** "${DISCORD_WEBHOOK}" → "DISCORD_WEBHOOK": Gatus' own environment substitution names the variable already. */
export function variableOf(value: unknown): string | undefined {
  return typeof value === "string" ? /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(value.trim())?.[1] : undefined;
}

/** Maps one provider; true when it became a notifier. */
export function mapProvider(kind: string, config: Record<string, unknown>, out: ConfigBuilder): boolean {
  const item = `alerting provider ${kind}`;
  const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
  const secret = (key: string, what: string) => out.secret(`GATUS_${kind}_${what.replace(/^the /, "")}`, `${what} of ${item}`, variableOf(config[key]));
  if (Array.isArray(config.overrides) && config.overrides.length > 0) out.approx(`${item}: overrides per group`, "Understudy sends every incident to every notifier; route with min_severity");
  const spec = specOf(kind, item, str, secret, config, out);
  return spec !== undefined && out.notifier(item, spec.kind, spec.spec, kind);
}

type Str = (key: string) => string | undefined;
type Secret = (key: string, what: string) => string;

function specOf(kind: string, item: string, str: Str, secret: Secret, config: Record<string, unknown>, out: ConfigBuilder): { kind: string; spec: Json } | undefined {
  switch (kind) {
    case "ntfy":
      return { kind, spec: { url: `${(str("url") ?? "https://ntfy.sh").replace(/\/+$/, "")}/${str("topic") ?? ""}`, ...(config.token ? { token: secret("token", "the access token") } : {}) } };
    case "gotify":
      return { kind, spec: { url: str("server-url"), token: secret("token", "the application token") } };
    case "discord":
    case "slack":
    case "mattermost":
      return { kind, spec: { webhook_url: secret("webhook-url", "the webhook URL"), ...(kind === "mattermost" && str("channel") ? { channel: str("channel") } : {}) } };
    case "googlechat":
      return { kind: "google_chat", spec: { webhook_url: secret("webhook-url", "the webhook URL") } };
    case "teams-workflows":
      return { kind: "teams", spec: { webhook_url: secret("webhook-url", "the workflow URL") } };
    case "rocketchat":
      return { kind: "rocket_chat", spec: { webhook_url: secret("webhook-url", "the webhook URL"), ...(str("channel") ? { channel: str("channel") } : {}) } };
    case "pagerduty":
      return { kind, spec: { routing_key: secret("integration-key", "the integration key") } };
    case "opsgenie":
      return { kind, spec: { api_key: secret("api-key", "the API key") } };
    case "homeassistant":
      out.approx(item, "Gatus fires a gatus_alert event; Understudy calls the notify service instead (set service: to your device's)");
      return { kind: "home_assistant", spec: { url: str("url"), token: secret("token", "the long-lived access token"), service: "notify" } };
    case "signal":
      return { kind, spec: { url: str("api-url"), number: str("number"), recipients: Array.isArray(config.recipients) ? config.recipients.map(String) : [] } };
    case "telegram":
      return { kind, spec: { bot_token: secret("token", "the bot token"), chat_id: str("id"), ...(str("api-url") ? { api_url: str("api-url") } : {}) } };
    case "matrix":
      return { kind, spec: { homeserver: str("server-url") ?? "https://matrix-client.matrix.org", access_token: secret("access-token", "the access token"), room_id: str("internal-room-id") } };
    case "pushover":
      return { kind, spec: { user_key: secret("user-key", "the user key"), app_token: secret("application-token", "the application token"), ...(str("device") ? { device: str("device") } : {}) } };
    case "email": {
      const user = str("username") ?? (config.password ? str("from") : undefined);
      return { kind, spec: {
        host: str("host"), ...(typeof config.port === "number" ? { port: config.port } : {}),
        ...(user ? { user, password: secret("password", "the SMTP password") } : {}),
        from: str("from"), to: (str("to") ?? "").split(",").map((to) => to.trim()).filter(Boolean),
      } };
    }
    case "custom":
      if (config.body || config.headers) out.skip(`${item}: body and headers`, "not copied (the body is Understudy's JSON template now; headers may hold secrets)");
      return { kind: "webhook", spec: { url_secret: secret("url", "the URL"), ...(str("method") && str("method") !== "POST" ? { method: str("method") } : {}) } };
    default:
      out.skip(item, `Understudy has no ${kind} notifier; an apprise notifier reaches most services Gatus does`);
      return undefined;
  }
}
