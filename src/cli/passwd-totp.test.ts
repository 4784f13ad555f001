// `understudy passwd --totp` as a person runs it: the URI and secret an app reads, ten recovery codes
// shown once, a code from the "app" (computed here from the printed secret) confirms, and only then is
// the enrolment file written, private; the agent then accepts a printed recovery code and the app's codes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { parseEnrolment, hashRecoveryCode } from "../api/auth/second-factor.js";
import { SecondFactorLedger } from "../api/auth/second-factor-ledger.js";
import { checkCode } from "../api/auth/login-code.js";
import { totpAt } from "../api/auth/totp.js";
import { openStore } from "../store/db.js";
import type { Io } from "./io.js";
import { passwd } from "./passwd.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const stream = (append: (text: string) => void) => Object.assign(new PassThrough(), { write: (chunk: string) => (append(String(chunk)), true) });
  return { io: { stdout: stream((t) => (out += t)), stderr: stream((t) => (err += t)), env: {} } as unknown as Io, out: () => out, err: () => err };
}

/** Runs the enrolment and answers the prompt with what `answer` makes of the printed secret. */
async function enrol(file: string, answer: (secret: string) => string, extra: string[] = []) {
  const { io, out, err } = capture();
  const input = new PassThrough();
  const done = passwd(["--totp", "--name", "ada", "--file", file, ...extra], io, input);
  const result = done.then(() => 0, (error: Error) => error);
  while (!err().includes("Code from the app")) await new Promise((resolve) => setTimeout(resolve, 5));
  const secret = /Secret: ([A-Z2-7 ]+)\n/.exec(out())![1]!.replace(/ /g, "");
  input.end(`${answer(secret)}\n`);
  return { outcome: await result, out: out(), err: err(), secret };
}

describe("understudy passwd --totp", () => {
  it("prints the otpauth URI and ten recovery codes, writes the enrolment only after the app's code, and the agent accepts them", async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-totp-cli-"));
    const file = join(dir, "ada.totp");
    const { outcome, out, err, secret } = await enrol(file, (s) => totpAt(s, Date.now()));
    expect(outcome).toBe(0);
    expect(out).toContain(`otpauth://totp/Understudy:ada?secret=${secret}&issuer=Understudy&algorithm=SHA1&digits=6&period=30`);
    const codes = out.match(/^ {2}[a-z2-7]{5}-[a-z2-7]{5}$/gm)!.map((line) => line.trim());
    expect(new Set(codes).size).toBe(10);
    expect(err).toContain(`totp_file: ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    for (const code of codes) expect(text).not.toContain(code.replace("-", ""));
    const parsed = parseEnrolment(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.enrolment.secret).toBe(secret);
    expect(parsed.enrolment.recovery).toEqual(codes.map(hashRecoveryCode));

    const store = openStore(":memory:");
    const ledger = new SecondFactorLedger(store);
    expect(checkCode("ada", parsed.enrolment, codes[0]!, ledger, Date.now())).toEqual({ ok: true, via: "recovery", recoveryLeft: 9 });
    expect(checkCode("ada", parsed.enrolment, codes[0]!, ledger, Date.now())).toEqual({ ok: false, reason: "spent" });
    expect(checkCode("ada", parsed.enrolment, totpAt(secret, Date.now() + 30_000), ledger, Date.now())).toEqual({ ok: true, via: "totp" });
    store.close();
  });

  it("writes nothing when the code does not match, and will not overwrite an enrolment without --force", async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-totp-cli-"));
    const file = join(dir, "ada.totp");
    const wrong = await enrol(file, (s) => totpAt(s, Date.now() - 120_000));
    expect(wrong.outcome).toBeInstanceOf(Error);
    expect(String(wrong.outcome)).toContain("nothing was written");
    expect(existsSync(file)).toBe(false);

    writeFileSync(file, "old enrolment\n");
    await expect(passwd(["--totp", "--name", "ada", "--file", file], capture().io, new PassThrough())).rejects.toThrow("exists already");
    expect((await enrol(file, (s) => totpAt(s, Date.now()), ["--force"])).outcome).toBe(0);
    expect(parseEnrolment(readFileSync(file, "utf8")).ok).toBe(true);
    await expect(passwd(["--totp"], capture().io, new PassThrough())).rejects.toThrow("--totp needs --name");
  });
});
