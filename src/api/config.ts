// The `dashboard` config key (wired into src/config/schema.ts): who may use the dashboard and the API.
//   dashboard:
//     users:  [{ name: ada, role: operator, password_hash: "scrypt$…" }]   # `understudy passwd` makes one
//     tokens: [{ name: ci, role: viewer, token_hash: "sha256:…" }]         # `understudy token create`
//     session_ttl: 12h
//     totp: required        # operators must sign in with a code too (`understudy passwd --totp` enrols)
// Only hashes sit in the config: a password hash may also live in a file (password_hash_file); a
// two-factor enrolment (TOTP secret, hashed recovery codes) lives in the file totp_file names.
import { z } from "zod";
import { durationSchema } from "../config/duration.js";

export const ROLES = ["viewer", "operator"] as const;
export type Role = (typeof ROLES)[number];

const userName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, { message: 'a user name: letters, digits, "_", ".", "@" and "-"' });

const userSchema = z
  .strictObject({
    name: userName,
    role: z.enum(ROLES).default("viewer").describe("viewer: reads everything; operator: also acts (fail over, run a backup)."),
    password_hash: z.string().regex(/^scrypt\$/, { message: 'a hash made by `understudy passwd` ("scrypt$…"), never the password itself' }).optional(),
    password_hash_file: z.string().min(1).optional().describe("A file holding the hash (relative to the config file's folder)."),
    totp_file: z.string().min(1).optional().describe("Two-factor sign-in: the file `understudy passwd --totp` wrote (relative to the config file's folder). With it, login asks for a code from an authenticator app after the password."),
  })
  .refine((user) => (user.password_hash === undefined) !== (user.password_hash_file === undefined), { message: "give exactly one of password_hash and password_hash_file" })
  .describe("A person who logs in to the dashboard.");

const tokenSchema = z
  .strictObject({
    name: userName,
    role: z.enum(ROLES).default("viewer"),
    token_hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, { message: 'the hash line `understudy token create` printed ("sha256:…")' }),
  })
  .describe("An API token for scripts and the CLI: sent as `Authorization: Bearer …`, stored hashed.");

export const dashboardSchema = z
  .strictObject({
    users: z.array(userSchema).default([]),
    tokens: z.array(tokenSchema).default([]),
    session_ttl: durationSchema.prefault("12h").describe("A session ends this long after its last use."),
    totp: z.enum(["optional", "required"]).default("optional").describe('"required": an operator (who can fail things over) without a totp_file cannot log in until enrolled with `understudy passwd --totp`. Users with a totp_file always give a code.'),
    secure_cookie: z.enum(["auto", "always"]).default("auto").describe('"auto": Secure cookies when served over https; "always": behind a TLS-terminating proxy.'),
  })
  .describe("Dashboard and API access. Without this key the agent serves only /healthz, /metrics, /push and /api/status, as before.");

export type DashboardConfig = z.output<typeof dashboardSchema>;
