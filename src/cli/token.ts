// `understudy token create NAME --role viewer|operator`: a new API token for scripts and the CLI. The
// token is printed once; the config keeps only its hash (the line to paste is printed with it).
import { ROLES } from "../api/config.js";
import { hashToken, newToken } from "../api/auth/tokens.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { parseFlags, parseFormat } from "./options.js";

export const usage = `Usage: understudy token create NAME [--role viewer|operator] [--format table|json]

  Makes an API token (sent as "Authorization: Bearer <token>") and prints it once, with the line to
  add under dashboard.tokens in the config, which keeps only its sha256 hash. To revoke a token,
  remove its line and reload the agent.`;

export async function token(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, { role: { type: "string" }, format: { type: "string", short: "f" } }, usage, true);
  const [action, name, ...rest] = positionals;
  if (action !== "create") throw new UsageError(action === undefined ? "say what to do: token create NAME" : `unknown action "${action}"; only "create"`, usage);
  if (name === undefined || rest.length > 0) throw new UsageError("token create takes one NAME", usage);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(name)) throw new UsageError(`a token name: letters, digits, "_", ".", "@" and "-", got "${name}"`, usage);
  const role = values.role ?? "viewer";
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be viewer or operator, got "${role}"`, usage);
  const format = parseFormat(values.format, usage, ["table", "json"]);
  const secret = newToken();
  const hash = hashToken(secret);
  if (format === "json") {
    writeLine(io.stdout, JSON.stringify({ name, role, token: secret, token_hash: hash }, null, 2));
    return 0;
  }
  writeLine(io.stdout, `Token for ${name} (${role}), shown once; store it now:\n  ${secret}\n\nAdd under dashboard.tokens in the config:\n  - { name: ${name}, role: ${role}, token_hash: "${hash}" }`);
  return 0;
}
