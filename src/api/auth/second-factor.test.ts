// Recovery codes and the store's ledger: a code spends once, a TOTP step cannot be replayed (nor an
// earlier one), both survive a restart of the store, and the enrolment file is checked with reasons.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openStore } from "../../store/db.js";
import { formatEnrolment, hashRecoveryCode, looksLikeRecoveryCode, newRecoveryCodes, parseEnrolment } from "./second-factor.js";
import { SecondFactorLedger } from "./second-factor-ledger.js";
import { newTotpSecret } from "./totp.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("recovery codes", () => {
  it("are ten distinct codes shaped abcde-fghij, told apart from a 6-digit code, hashed however they are typed", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
      expect(looksLikeRecoveryCode(code)).toBe(true);
      expect(hashRecoveryCode(code.toUpperCase().replace("-", " "))).toBe(hashRecoveryCode(code));
    }
    expect(looksLikeRecoveryCode("123456")).toBe(false);
  });

  it("round-trip through the enrolment file, which holds no code in clear; a damaged file says what is wrong", () => {
    const codes = newRecoveryCodes();
    const text = formatEnrolment("ada", { secret: newTotpSecret(), recovery: codes.map(hashRecoveryCode) });
    for (const code of codes) expect(text).not.toContain(code.replace("-", ""));
    const parsed = parseEnrolment(text);
    expect(parsed.ok && parsed.enrolment.recovery).toEqual(codes.map(hashRecoveryCode));
    expect(parseEnrolment("secret: x")).toEqual({ ok: false, reason: expect.stringContaining("not JSON") });
    expect(parseEnrolment('{"understudy_totp":1,"secret":"1!","recovery":[]}')).toEqual({ ok: false, reason: expect.stringContaining("not a base32 secret") });
  });
});

describe("the second-factor ledger", () => {
  it("spends a recovery code once and refuses a replayed or older TOTP step, across a restart", () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-2fa-"));
    const path = join(dir, "state.db");
    let store = openStore(path);
    let ledger = new SecondFactorLedger(store);
    const hash = hashRecoveryCode("abcde-fghij");
    expect(ledger.useRecovery("ada", hash, 1)).toBe(true);
    expect(ledger.useRecovery("ada", hash, 2)).toBe(false);
    expect(ledger.useRecovery("bob", hash, 2)).toBe(true);
    expect(ledger.recoveryLeft("ada", [hash, hashRecoveryCode("zzzzz-zzzzz")])).toBe(1);
    expect(ledger.useStep("ada", 100, 1)).toBe(true);
    expect(ledger.useStep("ada", 100, 2)).toBe(false);
    expect(ledger.useStep("ada", 99, 2)).toBe(false);
    expect(ledger.useStep("bob", 100, 2)).toBe(true);
    store.close();
    store = openStore(path);
    ledger = new SecondFactorLedger(store);
    expect(ledger.useRecovery("ada", hash, 3)).toBe(false);
    expect(ledger.useStep("ada", 100, 3)).toBe(false);
    expect(ledger.useStep("ada", 101, 3)).toBe(true);
    store.close();
  });
});
