// The address of a daemon's local HTTP API in a check (cloudflared's metrics server, LiteFS's API):
// "host:port" as the daemon's own config writes it, or an http(s):// URL. Output: a URL without a
// trailing slash, so that "/ready" or "/info" can be appended.
import { z } from "zod";

export function baseUrlSchema(example: string, what: string) {
  return z
    .string()
    .describe(`${what}: "host:port" (e.g. "${example}") or an http:// URL.`)
    .transform((text, ctx) => {
      const bare = !/^https?:\/\//.test(text);
      const url = bare ? `http://${text}` : text;
      // A bare address needs its port: these daemons' APIs have no standard one to assume.
      if (!URL.canParse(url) || (bare && new URL(url).port === "")) {
        ctx.addIssue({ code: "custom", message: `"${text}" is not an address: expected "host:port" or an http:// URL, such as "${example}"` });
        return z.NEVER;
      }
      return url.replace(/\/+$/, "");
    });
}
