// Checks the code of the second sign-in step: a 6-digit TOTP code from the current step or one either
// side, accepted only for a step after the last one this user signed in with (so a code seen over a
// shoulder or replayed from a log cannot be used again within its window), or a recovery code not spent
// yet. Every use is recorded in the store (second-factor-ledger.ts) before the answer is given.
import type { Enrolment } from "./second-factor.js";
import { hashRecoveryCode, looksLikeRecoveryCode } from "./second-factor.js";
import type { SecondFactorLedger } from "./second-factor-ledger.js";
import { matchTotp } from "./totp.js";

export type CodeCheck =
  | { ok: true; via: "totp" }
  | { ok: true; via: "recovery"; recoveryLeft: number }
  | { ok: false; reason: "wrong" | "replayed" | "spent" };

export function checkCode(user: string, enrolment: Enrolment, typed: string, ledger: SecondFactorLedger, now: number): CodeCheck {
  const code = typed.replace(/\s/g, "");
  if (looksLikeRecoveryCode(code)) {
    const hash = hashRecoveryCode(code);
    if (!enrolment.recovery.includes(hash)) return { ok: false, reason: "wrong" };
    if (!ledger.useRecovery(user, hash, now)) return { ok: false, reason: "spent" };
    return { ok: true, via: "recovery", recoveryLeft: ledger.recoveryLeft(user, enrolment.recovery) };
  }
  const step = matchTotp(enrolment.secret, code, now);
  if (step === undefined) return { ok: false, reason: "wrong" };
  return ledger.useStep(user, step, now) ? { ok: true, via: "totp" } : { ok: false, reason: "replayed" };
}
