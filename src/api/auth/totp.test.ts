// TOTP against RFC 6238's published test vectors (Appendix B, SHA-1 column, read as 6 digits as well
// as the RFC's 8), RFC 4226's HOTP vectors, RFC 4648's base32 vectors, and the ±1 step window.
import { describe, expect, it } from "vitest";
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, stepAt, totpAt } from "./totp.js";

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
const SEED = Buffer.from("12345678901234567890", "ascii");
const SECRET = base32Encode(SEED);
const VECTORS: Array<[seconds: number, code8: string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP (RFC 6238)", () => {
  it.each(VECTORS)("at T=%i s the SHA-1 code is %s", (seconds, code8) => {
    expect(hotp(SEED, stepAt(seconds * 1000), 8)).toBe(code8);
    expect(totpAt(SECRET, seconds * 1000)).toBe(code8.slice(2));
  });

  it("matches RFC 4226's HOTP vectors for counters 0 to 9", () => {
    const expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
    expect(expected.map((_, counter) => hotp(SEED, counter))).toEqual(expected);
  });

  it("encodes and decodes base32 as RFC 4648 does", () => {
    for (const [plain, encoded] of [["f", "MY"], ["fo", "MZXQ"], ["foo", "MZXW6"], ["foob", "MZXW6YQ"], ["fooba", "MZXW6YTB"], ["foobar", "MZXW6YTBOI"]] as const) {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded)!.toString()).toBe(plain);
    }
    expect(SECRET).toBe("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    expect(base32Decode("gezd gnbv-gy3t qojq gezdgnbvgy3tqojq====")).toEqual(SEED);
    expect(base32Decode("not base32!")).toBeUndefined();
  });

  it("accepts the code of the step before and after, not two steps away, and says which step matched", () => {
    const at = 1111111111 * 1000;
    const step = stepAt(at);
    expect(matchTotp(SECRET, totpAt(SECRET, at), at)).toBe(step);
    expect(matchTotp(SECRET, totpAt(SECRET, at - 30_000), at)).toBe(step - 1);
    expect(matchTotp(SECRET, totpAt(SECRET, at + 30_000), at)).toBe(step + 1);
    expect(matchTotp(SECRET, totpAt(SECRET, at - 60_000), at)).toBeUndefined();
    expect(matchTotp(SECRET, totpAt(SECRET, at + 60_000), at)).toBeUndefined();
    expect(matchTotp(SECRET, "12345", at)).toBeUndefined();
    expect(matchTotp(SECRET, "abcdef", at)).toBeUndefined();
  });

  it("writes the otpauth:// URI authenticator apps read", () => {
    expect(otpauthUri(SECRET, "ada@lab")).toBe("otpauth://totp/Understudy:ada%40lab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Understudy&algorithm=SHA1&digits=6&period=30");
  });
});
