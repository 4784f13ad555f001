// How commands and libraries reach a running agent's API: its URL from `agents.listen`, and the
// bearer token (UNDERSTUDY_TOKEN) that authenticates them when the dashboard's login is on.
import { parseListen } from "./http.js";

/** The URL to reach an agent listening on `listen`: a wildcard address is reached on loopback. */
export function agentUrl(listen: string): string {
  const { host, port } = parseListen(listen);
  const reach = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reach.includes(":") ? `[${reach}]` : reach}:${port}`;
}

export const TOKEN_VARIABLE = "UNDERSTUDY_TOKEN";
const CREATE_TOKEN = "create one with `understudy token create NAME --role viewer`";

/** The headers that authenticate the CLI to the agent's API: the bearer token in UNDERSTUDY_TOKEN, if set. */
export function agentHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  const token = env[TOKEN_VARIABLE]?.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** What to tell a person whose request the agent answered with 401. */
export function loginHint(env: NodeJS.ProcessEnv): string {
  return agentHeaders(env).authorization
    ? `the agent refused the token in ${TOKEN_VARIABLE} (revoked, or made for another agent); ${CREATE_TOKEN}`
    : `the agent requires a login: set ${TOKEN_VARIABLE} (${CREATE_TOKEN})`;
}
