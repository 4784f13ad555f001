// API tokens for the CLI and scripts: "ust_" + 32 random bytes (base64url), shown once when created;
// the config holds only "sha256:<hex>". A presented token is hashed and compared with every configured
// hash in constant time (a token has 256 bits of entropy, so a fast hash is enough: nothing to brute-force).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const TOKEN_PREFIX = "ust_";

export function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return `sha256:${createHash("sha256").update(token, "utf8").digest("hex")}`;
}

/** The entry whose hash matches `token`, if any; every entry is compared so the time does not depend on which. */
export function findToken<T extends { token_hash: string }>(entries: readonly T[], token: string): T | undefined {
  const presented = Buffer.from(hashToken(token));
  let found: T | undefined;
  for (const entry of entries) {
    const stored = Buffer.from(entry.token_hash);
    if (stored.length === presented.length && timingSafeEqual(stored, presented)) found ??= entry;
  }
  return found;
}
