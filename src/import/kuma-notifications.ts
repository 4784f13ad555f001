// Uptime Kuma notifications → notifiers. A notification's `config` is a JSON string whose keys are the
// ones Kuma's provider files read (server/notification-providers/*.js); tokens and webhook URLs become
// "env:NAME" references (with the value, when the source held it, for --env-file).
import { slug, type ConfigBuilder, type Json } from "./builder.js";

export interface Notification {
  id?: number;
  name?: string;
  config?: string;
  active?: boolean | number;
  is_default?: boolean | number;
  isDefault?: boolean | number;
}

type Config = Record<string, unknown>;

/** Maps one notification; returns the notifier's name, or undefined when it was dropped (and said). */
export function mapNotification(entry: Notification, out: ConfigBuilder): string | undefined {
  let config: Config;
  try {
    config = JSON.parse(entry.config ?? "{}") as Config;
  } catch {
    out.skip(`notification "${entry.name ?? entry.id}"`, "its config is not JSON");
    return undefined;
  }
  const name = String(entry.name ?? config.name ?? entry.id ?? "notification");
  const type = String(config.type ?? "");
  const item = `notification "${name}" (${type || "no type"})`;
  if (entry.active === false || entry.active === 0) {
    out.skip(item, "disabled in Uptime Kuma");
    return undefined;
  }
  const str = (key: string) => (typeof config[key] === "string" && config[key] !== "" ? (config[key] as string) : undefined);
  const secret = (key: string, what: string, value = str(key)) => out.secret(`KUMA_${slug(name)}_${what.replace(/^the /, "")}`, `${what} of ${item}`, undefined, value);
  const spec = specOf(type, item, str, secret, config, out);
  if (spec === undefined) return undefined;
  return out.notifier(item, spec.kind, spec.spec, name) ? slug(name) : undefined;
}

type Str = (key: string) => string | undefined;
type Secret = (key: string, what: string, value?: string) => string;

function specOf(type: string, item: string, str: Str, secret: Secret, config: Config, out: ConfigBuilder): { kind: string; spec: Json } | undefined {
  switch (type) {
    case "ntfy": {
      const spec: Json = { url: `${(str("ntfyserverurl") ?? "https://ntfy.sh").replace(/\/+$/, "")}/${str("ntfytopic") ?? ""}` };
      if (config.ntfyAuthenticationMethod === "accessToken" || str("ntfyaccesstoken")) spec.token = secret("ntfyaccesstoken", "the access token");
      if (config.ntfyAuthenticationMethod === "usernamePassword") out.skip(`${item}: username and password`, "the ntfy notifier authenticates with an access token only; create one (ntfy token add) and set token:");
      return { kind: "ntfy", spec };
    }
    case "gotify":
      return { kind: "gotify", spec: { url: str("gotifyserverurl"), token: secret("gotifyapplicationToken", "the application token") } };
    case "discord":
      return { kind: "discord", spec: { webhook_url: secret("discordWebhookUrl", "the webhook URL"), ...(str("discordUsername") ? { username: str("discordUsername") } : {}) } };
    case "slack":
      return { kind: "slack", spec: { webhook_url: secret("slackwebhookURL", "the webhook URL") } };
    case "telegram":
      return { kind: "telegram", spec: { bot_token: secret("telegramBotToken", "the bot token"), chat_id: str("telegramChatID") } };
    case "matrix":
      return { kind: "matrix", spec: { homeserver: str("homeserverUrl"), access_token: secret("accessToken", "the access token"), room_id: str("internalRoomId") } };
    case "pushover":
      return { kind: "pushover", spec: { user_key: secret("pushoveruserkey", "the user key"), app_token: secret("pushoverapptoken", "the application token"), ...(str("pushoverdevice") ? { device: str("pushoverdevice") } : {}) } };
    case "smtp": {
      if (str("smtpCC") || str("smtpBCC")) out.approx(`${item}: CC and BCC`, "the email notifier sends to `to` only; add those addresses there");
      const user = str("smtpUsername");
      return { kind: "email", spec: {
        host: str("smtpHost"), ...(typeof config.smtpPort === "number" ? { port: config.smtpPort } : {}), secure: config.smtpSecure === true,
        ...(user ? { user, password: secret("smtpPassword", "the SMTP password") } : {}),
        from: str("smtpFrom"), to: (str("smtpTo") ?? "").split(",").map((to) => to.trim()).filter(Boolean),
      } };
    }
    case "webhook": {
      if ((str("httpMethod") ?? "post").toLowerCase() !== "post") out.approx(`${item}: method ${str("httpMethod")}`, "the webhook notifier sends POST");
      if (config.webhookContentType === "custom" || config.webhookContentType === "form-data") out.approx(`${item}: ${String(config.webhookContentType)} body`, "the body is Understudy's JSON now; rewrite it under template:");
      if (str("webhookAdditionalHeaders")) out.skip(`${item}: additional headers`, "not copied (they may hold secrets); add them under headers or secret_headers");
      // The URL of a webhook often carries its token: it is named, not copied.
      return { kind: "webhook", spec: { url_secret: secret("webhookURL", "the webhook URL") } };
    }
    case "apprise":
      return { kind: "apprise", spec: { urls: secret("appriseURL", "the Apprise URLs") } };
    case "teams":
      return { kind: "teams", spec: { webhook_url: secret("webhookUrl", "the workflow URL") } };
    case "GoogleChat":
      return { kind: "google_chat", spec: { webhook_url: secret("googleChatWebhookURL", "the webhook URL") } };
    case "mattermost":
      return { kind: "mattermost", spec: {
        webhook_url: secret("mattermostWebhookUrl", "the webhook URL"),
        ...(str("mattermostchannel") ? { channel: str("mattermostchannel") } : {}), ...(str("mattermostusername") ? { username: str("mattermostusername") } : {}),
      } };
    case "rocket.chat":
      return { kind: "rocket_chat", spec: {
        webhook_url: secret("rocketwebhookURL", "the webhook URL"),
        ...(str("rocketchannel") ? { channel: str("rocketchannel") } : {}), ...(str("rocketusername") ? { alias: str("rocketusername") } : {}),
      } };
    case "PagerDuty":
      return { kind: "pagerduty", spec: { routing_key: secret("pagerdutyIntegrationKey", "the integration key"), ...(/\.eu\./.test(str("pagerdutyIntegrationUrl") ?? "") ? { region: "eu" } : {}) } };
    case "Opsgenie":
      return { kind: "opsgenie", spec: { api_key: secret("opsgenieApiKey", "the API key"), ...(str("opsgenieRegion") === "eu" ? { region: "eu" } : {}) } };
    case "HomeAssistant":
      // Kuma calls notify.notify unless a service is named; the companion app's service is the usual pick.
      return { kind: "home_assistant", spec: { url: str("homeAssistantUrl"), token: secret("longLivedAccessToken", "the long-lived access token"), service: str("notificationService") ?? "notify" } };
    case "signal":
      // Kuma stores the whole send URL ("http://host:8080/v2/send"); Understudy wants the API's base.
      return { kind: "signal", spec: {
        url: (str("signalURL") ?? "").replace(/\/v\d\/send\/?$/, ""), number: str("signalNumber"),
        recipients: (str("signalRecipients") ?? "").split(",").map((to) => to.trim()).filter(Boolean),
      } };
    case "pushbullet":
      return { kind: "pushbullet", spec: { access_token: secret("pushbulletAccessToken", "the access token") } };
    default:
      out.skip(item, `Understudy has no ${type || "untyped"} notifier; an apprise notifier reaches most services Uptime Kuma does`);
      return undefined;
  }
}
