// `understudy passwd --totp --name NAME`: enrols a dashboard user in two-factor sign-in. Makes a TOTP
// secret and ten recovery codes, prints the otpauth:// URI (and the base32 secret, for apps that take it
// typed) and the codes once, then asks for a code from the app: only when it matches is the enrolment
// file written (mode 0600; the secret and the codes' hashes, never the codes), so a mistyped secret
// cannot lock the user out. The config line to add (totp_file) is printed on stderr.
import { existsSync, writeFileSync } from "node:fs";
import { formatEnrolment, hashRecoveryCode, newRecoveryCodes } from "../api/auth/second-factor.js";
import { matchTotp, newTotpSecret, otpauthUri } from "../api/auth/totp.js";
import { UsageError, writeLine, type Io } from "./io.js";

export interface TotpOptions {
  name: string;
  /** Where to write the enrolment; default NAME.totp in the current folder. */
  file: string | undefined;
  force: boolean;
  now?: () => number;
}

/** The first line of the input, read once. */
async function readCode(input: NodeJS.ReadableStream): Promise<string | undefined> {
  let text = "";
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text === "" ? undefined : (text.split(/\r?\n/)[0] ?? "").trim();
}

export async function enrolTotp(options: TotpOptions, io: Io, input: NodeJS.ReadableStream): Promise<number> {
  const file = options.file ?? `${options.name}.totp`;
  if (existsSync(file) && !options.force) {
    throw new UsageError(`${file} exists already: ${options.name} may be enrolled. To enrol again (the old app entry and recovery codes stop working), add --force, or give another --file`);
  }
  const secret = newTotpSecret();
  const codes = newRecoveryCodes();
  writeLine(io.stdout, [
    `Two-factor sign-in for ${options.name}. Add this account to an authenticator app (Aegis, andOTP, Google`,
    "Authenticator, 1Password…): scan the URI as a QR code (e.g. `qrencode -t ansiutf8 'URI'`), or type the secret.",
    "",
    `  ${otpauthUri(secret, options.name)}`,
    `  Secret: ${secret.replace(/(.{4})/g, "$1 ").trim()}`,
    "",
    "Recovery codes: each signs in once in place of a code. Keep them apart from the phone; they are not shown again.",
    "",
    ...codes.map((code) => `  ${code}`),
    "",
  ].join("\n"));
  io.stderr.write("Code from the app, to confirm: ");
  const typed = await readCode(input);
  if (typed === undefined) throw new UsageError("no code was given; nothing was written. Run the command again and type the 6 digits the app shows");
  if (matchTotp(secret, typed.replace(/\s/g, ""), (options.now ?? Date.now)()) === undefined) {
    throw new UsageError(`"${typed}" is not the app's code now (is the phone's clock right, and was the secret typed in full?); nothing was written. Run the command again`);
  }
  writeFileSync(file, formatEnrolment(options.name, { secret, recovery: codes.map(hashRecoveryCode) }), { mode: 0o600, flag: options.force ? "w" : "wx" });
  writeLine(io.stderr, `Confirmed. Wrote ${file} (keep it as private as a password). Add to ${options.name}'s entry under dashboard.users:\n  totp_file: ${file}\nand reload the agent. From then on ${options.name} signs in with the password and a code.`);
  return 0;
}
