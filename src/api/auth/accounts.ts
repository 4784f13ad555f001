// Who may log in, as the current config says: users with their password hash (read from
// password_hash_file when given), their two-factor enrolment (totp_file) and API tokens. Resolved once
// per config object, so a reload that changes the users takes effect on the next request, and a
// removed user's session stops working. A password_hash_file or totp_file is read again when it changes
// (its mtime or size), reload or not: a new password works at once and ends the sessions opened with the
// old one (guard.ts); a new enrolment is asked for at the next login.
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { DashboardConfig, Role } from "../config.js";
import { parseEnrolment, type Enrolment } from "./second-factor.js";
import { credentialOf } from "./sessions.js";
import { findToken } from "./tokens.js";

export interface Account {
  readonly name: string;
  readonly role: Role;
}

/** none: password only; enrolled: a code too; broken: the totp_file cannot be read, so this user cannot log in; required: not enrolled but the config demands it. */
export type SecondFactor = { state: "none" } | { state: "enrolled"; enrolment: Enrolment } | { state: "broken"; reason: string } | { state: "required" };

export interface User extends Account {
  readonly passwordHash: string | undefined;
  readonly secondFactor: SecondFactor;
}

/** What a session is bound to: the password hash and, when enrolled, the TOTP secret. A new password or a new enrolment (`passwd --totp --force`) ends the sessions opened before it. */
export function credentialOfUser(user: User): string {
  return credentialOf(user.secondFactor.state === "enrolled" ? `${user.passwordHash ?? ""}\n${user.secondFactor.enrolment.secret}` : user.passwordHash);
}

export interface Accounts {
  user(name: string): User | undefined;
  token(token: string): Account | undefined;
  readonly sessionTtlMs: number;
  readonly secureCookie: "auto" | "always";
}

const cache = new WeakMap<DashboardConfig, Accounts>();

/** A file read again only when its mtime or size changes; a problem is reported once per change. */
function watchedFile<T>(path: string, parse: (text: string) => T, onProblem: (code: string) => void): () => T | undefined {
  let seen: string | undefined;
  let value: T | undefined;
  return () => {
    let now = "missing";
    try {
      const stat = statSync(path);
      now = `${stat.mtimeMs}:${stat.size}`;
      if (now === seen) return value;
      value = parse(readFileSync(path, "utf8"));
    } catch (error) {
      if (now !== seen) onProblem((error as NodeJS.ErrnoException).code ?? "error");
      value = undefined;
    }
    seen = now;
    return value;
  };
}

/** `configDir` resolves relative password_hash_file and totp_file paths; an unreadable file means that user cannot log in (and is reported once). */
export function accountsOf(dashboard: DashboardConfig, configDir: string, onProblem: (message: string) => void = () => {}): Accounts {
  const cached = cache.get(dashboard);
  if (cached) return cached;
  const users = new Map<string, () => User>();
  for (const user of dashboard.users) {
    const hashFile = user.password_hash_file === undefined ? undefined : resolve(configDir, user.password_hash_file);
    const readHash = hashFile === undefined ? () => user.password_hash : watchedFile(hashFile, (text) => text.trim(), (code) => onProblem(`dashboard user ${user.name}: cannot read password_hash_file ${hashFile} (${code}); this user cannot log in`));
    const totpFile = user.totp_file === undefined ? undefined : resolve(configDir, user.totp_file);
    const readTotp = totpFile === undefined ? undefined : watchedFile(totpFile, (text): SecondFactor => {
      const parsed = parseEnrolment(text);
      if (!parsed.ok) onProblem(`dashboard user ${user.name}: totp_file ${totpFile} is ${parsed.reason}; this user cannot log in`);
      return parsed.ok ? { state: "enrolled", enrolment: parsed.enrolment } : { state: "broken", reason: parsed.reason };
    }, (code) => onProblem(`dashboard user ${user.name}: cannot read totp_file ${totpFile} (${code}); this user cannot log in`));
    const secondFactor = (): SecondFactor => {
      if (readTotp) return readTotp() ?? { state: "broken", reason: "unreadable" };
      return dashboard.totp === "required" && user.role === "operator" ? { state: "required" } : { state: "none" };
    };
    const read = (): User => ({ name: user.name, role: user.role, passwordHash: readHash(), secondFactor: secondFactor() });
    read(); // the files' problems are reported when the config is loaded, not at the first login
    users.set(user.name, read);
  }
  const accounts: Accounts = {
    user: (name) => users.get(name)?.(),
    token: (token) => {
      const entry = findToken(dashboard.tokens, token);
      return entry ? { name: entry.name, role: entry.role } : undefined;
    },
    sessionTtlMs: dashboard.session_ttl,
    secureCookie: dashboard.secure_cookie,
  };
  cache.set(dashboard, accounts);
  return accounts;
}
