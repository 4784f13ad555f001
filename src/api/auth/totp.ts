// Time-based one-time passwords (RFC 6238 on RFC 4226's HOTP) for the second sign-in step, with
// node:crypto only: HMAC-SHA1, 30-second steps, 6 digits, and a code from the step before or after
// accepted too (a phone's clock drifts, and a person types slowly). The secret travels as RFC 4648
// base32, as authenticator apps expect it in an otpauth:// URI. Replay is refused by the caller
// (login-code.ts): it gets the step a code matched and accepts only steps after the last one used.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const STEP_S = 30;
export const DIGITS = 6;
/** Steps either side of now that still count. */
export const WINDOW = 1;
/** 160 bits: the HMAC-SHA1 output size RFC 4226 recommends for a shared secret. */
const SECRET_BYTES = 20;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** undefined when `text` is not base32 (spaces, dashes, lower case and "=" padding are allowed). */
export function base32Decode(text: string): Buffer | undefined {
  const clean = text.replace(/[\s-]/g, "").replace(/=+$/, "").toUpperCase();
  if (clean === "" || /[^A-Z2-7]/.test(clean)) return undefined;
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    value = ((value << 5) | BASE32.indexOf(char)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

export function newTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** RFC 4226 HOTP: HMAC over the 8-byte big-endian counter, dynamically truncated to `digits`. */
export function hotp(key: Buffer, counter: number, digits = DIGITS, algorithm: "sha1" | "sha256" | "sha512" = "sha1"): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algorithm, key).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The step a moment (ms since the epoch) falls in. */
export function stepAt(ms: number): number {
  return Math.floor(ms / 1000 / STEP_S);
}

/** The code an authenticator shows at `ms` for this base32 secret. */
export function totpAt(secret: string, ms: number): string {
  const key = base32Decode(secret);
  if (!key) throw new Error("bug: totpAt was given a secret that is not base32");
  return hotp(key, stepAt(ms));
}

/** The step `code` belongs to (now, or one either side), or undefined when it matches none. Every step is compared, in constant time. */
export function matchTotp(secret: string, code: string, ms: number): number | undefined {
  const key = base32Decode(secret);
  if (!key || !/^\d{6}$/.test(code)) return undefined;
  const now = stepAt(ms);
  let found: number | undefined;
  for (let step = now - WINDOW; step <= now + WINDOW; step++) {
    if (timingSafeEqual(Buffer.from(hotp(key, step)), Buffer.from(code)) && found === undefined) found = step;
  }
  return found;
}

/** The otpauth:// URI authenticator apps read (Google Authenticator's Key Uri Format). */
export function otpauthUri(secret: string, account: string, issuer = "Understudy"): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${STEP_S}`;
}
