// `understudy passwd`: reads a password (from the terminal without echo, asked twice, or from stdin's
// first line) and prints its scrypt hash for the config's dashboard.users[].password_hash, or for a
// password_hash_file (`understudy passwd > /etc/understudy/alice.hash`). The password is never printed.
// With --totp it enrols the user in two-factor sign-in instead (passwd-totp.ts).
import { hashPassword } from "../api/auth/password.js";
import { ROLES } from "../api/config.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";
import { enrolTotp } from "./passwd-totp.js";

export const usage = `Usage: understudy passwd [--name NAME] [--role viewer|operator]
       understudy passwd --totp --name NAME [--file PATH] [--force]

  Reads a password and prints its hash (scrypt, salted) for the config:
    dashboard:
      users:
        - { name: NAME, role: operator, password_hash: "<the hash>" }
  On a terminal the password is asked twice without echo; otherwise the first line of stdin is read
  (echo "$PW" | understudy passwd). With --name, the config line is printed too (on stderr).

  --totp enrols NAME in two-factor sign-in: prints an otpauth:// URI for an authenticator app and ten
  one-time recovery codes, asks for a code from the app to confirm, then writes the secret and the
  codes' hashes to PATH (default NAME.totp, mode 0600) and prints the totp_file line for the config.
  dashboard.totp: required makes it a must for operators.`;

const MIN_LENGTH = 8;

export interface PasswordInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** One line typed on a terminal in raw mode, not echoed. Ctrl-C or Ctrl-D end it with undefined. */
function readHidden(input: PasswordInput, prompt: string, io: Io): Promise<string | undefined> {
  io.stderr.write(prompt);
  return new Promise((resolve) => {
    let typed = "";
    input.setRawMode?.(true);
    input.resume();
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === "\r" || char === "\n") return finish(typed);
        if (char === "\u0003" || char === "\u0004") return finish(undefined);
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    const finish = (value: string | undefined) => {
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      io.stderr.write("\n");
      resolve(value);
    };
    input.on("data", onData);
  });
}

/** The first line of a piped stdin. */
async function readLine(input: PasswordInput): Promise<string> {
  let text = "";
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes("\n")) break;
  }
  return text.split(/\r?\n/)[0] ?? "";
}

export async function readPassword(input: PasswordInput, io: Io): Promise<string> {
  if (!input.isTTY) return readLine(input);
  const first = await readHidden(input, "Password: ", io);
  if (first === undefined) throw new UsageError("cancelled");
  const again = await readHidden(input, "Again: ", io);
  if (again !== first) throw new UsageError("the two passwords differ; nothing was printed");
  return first;
}

export async function passwd(argv: string[], io: Io, input: PasswordInput = process.stdin): Promise<number> {
  const { values } = parseFlags(argv, { name: { type: "string" }, role: { type: "string" }, totp: { type: "boolean" }, file: { type: "string" }, force: { type: "boolean" } }, usage);
  if (values.totp) {
    if (values.name === undefined) throw new UsageError("--totp needs --name NAME: the user to enrol", usage);
    return enrolTotp({ name: values.name, file: values.file, force: values.force ?? false }, io, input);
  }
  if (values.file !== undefined || values.force) throw new UsageError("--file and --force go with --totp", usage);
  const role = values.role ?? "operator";
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be viewer or operator, got "${role}"`, usage);
  const password = await readPassword(input, io);
  if (password.length < MIN_LENGTH) throw new UsageError(`the password is too short: at least ${MIN_LENGTH} characters`, usage);
  const hash = await hashPassword(password);
  writeLine(io.stdout, hash);
  if (values.name !== undefined) writeLine(io.stderr, `Add under dashboard.users:\n  - { name: ${values.name}, role: ${role}, password_hash: "${hash}" }`);
  return 0;
}
