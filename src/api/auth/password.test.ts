// Password hashes: scrypt with a fresh salt and its costs in the string; only the right password passes.
import { describe, expect, it } from "vitest";
import { hashPassword, parseHash, verifyPassword } from "./password.js";

const fast = { ln: 10, r: 8, p: 1 };

describe("password hashes", () => {
  it("verifies the password it was made from and nothing else", async () => {
    const hash = await hashPassword("hunter2 is not a password", fast);
    expect(await verifyPassword("hunter2 is not a password", hash)).toBe(true);
    expect(await verifyPassword("hunter2 is not a passworD", hash)).toBe(false);
    expect(await verifyPassword("", hash)).toBe(false);
  });

  it("writes the costs into the hash, salts every hash, and never contains the password", async () => {
    const [a, b] = [await hashPassword("same", fast), await hashPassword("same", fast)];
    expect(a).toMatch(/^scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("same");
    expect(parseHash(a)?.params).toEqual(fast);
  });

  it("uses the default cost when none is given (2^15)", async () => {
    expect(await hashPassword("x")).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
  });

  it("refuses malformed hashes, absurd costs and an unknown user (no hash) without throwing", async () => {
    const good = await hashPassword("pw", fast);
    expect(await verifyPassword("pw", undefined)).toBe(false);
    expect(await verifyPassword("pw", "scrypt$garbage")).toBe(false);
    expect(await verifyPassword("pw", good.replace("ln=10", "ln=40"))).toBe(false);
    expect(await verifyPassword("pw", good.replace(/\$[^$]+$/, "$AAAA"))).toBe(false);
  });
});
