// A user's two-factor enrolment, as `understudy passwd --totp` writes it to the file the config's
// totp_file names (mode 0600, beside the config): the TOTP secret (base32) and the SHA-256 hashes of
// ten one-time recovery codes. The codes themselves are shown once, at enrolment, and never stored. A
// recovery code is 10 base32 letters (50 random bits) written "abcde-fghij"; what a person types is
// normalised (case, spaces, dashes) before hashing. Which codes have been used lives in the agent's
// store (login-code.ts), not here: the agent never writes this file.
import { createHash, randomBytes } from "node:crypto";
import { base32Decode, base32Encode } from "./totp.js";

export const RECOVERY_CODES = 10;

export interface Enrolment {
  readonly secret: string;
  /** "sha256:<hex>" of each normalised recovery code. */
  readonly recovery: readonly string[];
}

export function normaliseRecoveryCode(text: string): string {
  return text.replace(/[\s-]/g, "").toLowerCase();
}

/** True when `text` has a recovery code's shape (and so is not a 6-digit TOTP code). */
export function looksLikeRecoveryCode(text: string): boolean {
  return /^[a-z2-7]{10}$/.test(normaliseRecoveryCode(text));
}

export function hashRecoveryCode(code: string): string {
  return `sha256:${createHash("sha256").update(normaliseRecoveryCode(code), "utf8").digest("hex")}`;
}

export function newRecoveryCodes(count = RECOVERY_CODES): string[] {
  return Array.from({ length: count }, () => {
    const code = base32Encode(randomBytes(7)).slice(0, 10).toLowerCase();
    return `${code.slice(0, 5)}-${code.slice(5)}`;
  });
}

export function formatEnrolment(user: string, enrolment: Enrolment): string {
  return `${JSON.stringify({ understudy_totp: 1, user, secret: enrolment.secret, recovery: enrolment.recovery }, null, 2)}\n`;
}

/** The enrolment in a totp_file's text, or what is wrong with it (for the log: never the secret). */
export function parseEnrolment(text: string): { ok: true; enrolment: Enrolment } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON (write it again with `understudy passwd --totp`)" };
  }
  const doc = raw as { understudy_totp?: unknown; secret?: unknown; recovery?: unknown };
  if (doc.understudy_totp !== 1) return { ok: false, reason: 'no "understudy_totp": 1 (not a file `understudy passwd --totp` wrote)' };
  if (typeof doc.secret !== "string" || (base32Decode(doc.secret)?.length ?? 0) < 10) return { ok: false, reason: '"secret" is not a base32 secret of at least 80 bits' };
  if (!Array.isArray(doc.recovery) || !doc.recovery.every((hash) => typeof hash === "string" && /^sha256:[0-9a-f]{64}$/.test(hash))) {
    return { ok: false, reason: '"recovery" is not a list of "sha256:<hex>" hashes' };
  }
  return { ok: true, enrolment: { secret: doc.secret, recovery: doc.recovery as string[] } };
}
