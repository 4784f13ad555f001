// Who may log in, as the current config says: users with their password hash (read from
// password_hash_file when given) and API tokens. Resolved once per config object, so a reload that
// changes the users takes effect on the next request, and a removed user's session stops working.
import { readFileSync } from "node:fs";
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
  for (const user of dashboard.users) {
    let passwordHash = user.password_hash;
    if (user.password_hash_file !== undefined) {
      const path = resolve(configDir, user.password_hash_file);
      try {
        passwordHash = readFileSync(path, "utf8").trim();
      } catch (error) {
        onProblem(`dashboard user ${user.name}: cannot read password_hash_file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}); this user cannot log in`);
      }
    }
    users.set(user.name, { name: user.name, role: user.role, passwordHash });
  }
  const accounts: Accounts = {
    user: (name) => users.get(name),
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
