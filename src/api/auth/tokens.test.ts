// API tokens: random, stored as sha256, found only by the exact token.
import { describe, expect, it } from "vitest";
import { findToken, hashToken, newToken } from "./tokens.js";

describe("API tokens", () => {
  it("are random, prefixed and hashed to the config's format", () => {
    const [a, b] = [newToken(), newToken()];
    expect(a).toMatch(/^ust_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashToken(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashToken(a)).not.toContain(a.slice(4));
  });

  it("match the entry with the same hash and no other", () => {
    const token = newToken();
    const entries = [{ name: "other", token_hash: hashToken(newToken()) }, { name: "ci", token_hash: hashToken(token) }];
    expect(findToken(entries, token)?.name).toBe("ci");
    expect(findToken(entries, `${token}x`)).toBeUndefined();
    expect(findToken(entries, "")).toBeUndefined();
  });
});
