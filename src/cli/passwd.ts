// `understudy passwd`: reads a password (from the terminal without echo, asked twice, or from stdin's
// first line) and prints its scrypt hash for the config's dashboard.users[].password_hash, or for a
// password_hash_file (`understudy passwd > /etc/understudy/alice.hash`). The password is never printed.
import { hashPassword } from "../api/auth/password.js";
import { ROLES } from "../api/config.js";
import { UsageError, writeLine, type Io } from "./io.js";
import { parseFlags } from "./options.js";

export const usage = `Usage: understudy passwd [--name NAME] [--role viewer|operator]

  Reads a password and prints its hash (scrypt, salted) for the config:
    dashboard:
      users:
        - { name: NAME, role: operator, password_hash: "<the hash>" }
  On a terminal the password is asked twice without echo; otherwise the first line of stdin is read
  (echo "$PW" | understudy passwd). With --name, the config line is printed too (on stderr).`;

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
  const { values } = parseFlags(argv, { name: { type: "string" }, role: { type: "string" } }, usage);
  const role = values.role ?? "operator";
  if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be viewer or operator, got "${role}"`, usage);
  const password = await readPassword(input, io);
  if (password.length < MIN_LENGTH) throw new UsageError(`the password is too short: at least ${MIN_LENGTH} characters`, usage);
  const hash = await hashPassword(password);
  writeLine(io.stdout, hash);
  if (values.name !== undefined) writeLine(io.stderr, `Add under dashboard.users:\n  - { name: ${values.name}, role: ${role}, password_hash: "${hash}" }`);
  return 0;
}
