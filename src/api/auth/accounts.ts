// Who may log in, as the current config says: users with their password hash (read from
// password_hash_file when given) and API tokens. Resolved once per config object, so a reload that
// changes the users takes effect on the next request, and a removed user's session stops working. A
// password_hash_file is read again when it changes (its mtime or size), reload or not: a new password
// works at once and ends the sessions opened with the old one (guard.ts).
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { DashboardConfig, Role } from "../config.js";
import { findToken } from "./tokens.js";

export interface Account {
  readonly name: string;
  readonly role: Role;
}

export interface Accounts {
  user(name: string): (Account & { readonly passwordHash: string | undefined }) | undefined;
  token(token: string): Account | undefined;
  readonly sessionTtlMs: number;
  readonly secureCookie: "auto" | "always";
}

const cache = new WeakMap<DashboardConfig, Accounts>();

/** `configDir` resolves relative password_hash_file paths; an unreadable file means that user cannot log in (and is reported once). */
export function accountsOf(dashboard: DashboardConfig, configDir: string, onProblem: (message: string) => void = () => {}): Accounts {
  const cached = cache.get(dashboard);
  if (cached) return cached;
  const users = new Map<string, Account & { passwordHash: string | undefined }>();
  const files = new Map<string, { path: string; seen: string }>();
  const readHash = (name: string, path: string): void => {
    const user = users.get(name)!;
    let seen = "missing";
    try {
      const stat = statSync(path);
      seen = `${stat.mtimeMs}:${stat.size}`;
      if (files.get(name)?.seen === seen) return;
      user.passwordHash = readFileSync(path, "utf8").trim();
    } catch (error) {
      if (files.get(name)?.seen !== seen) onProblem(`dashboard user ${name}: cannot read password_hash_file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}); this user cannot log in`);
      user.passwordHash = undefined;
    }
    files.set(name, { path, seen });
  };
  for (const user of dashboard.users) {
    users.set(user.name, { name: user.name, role: user.role, passwordHash: user.password_hash });
    if (user.password_hash_file !== undefined) readHash(user.name, resolve(configDir, user.password_hash_file));
  }
  const accounts: Accounts = {
    user: (name) => {
      const file = files.get(name);
      if (file) readHash(name, file.path);
      return users.get(name);
    },
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
