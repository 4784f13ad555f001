// `understudy passwd` and `understudy token create` as a person runs them: the hash verifies, the
// password is never printed, the token's hash line matches the token.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { verifyPassword } from "../api/auth/password.js";
import { hashToken } from "../api/auth/tokens.js";
import type { Io } from "./io.js";
import { passwd } from "./passwd.js";
import { token } from "./token.js";

function capture(): { io: Io; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const stream = (append: (text: string) => void) => Object.assign(new PassThrough(), { write: (chunk: string) => (append(String(chunk)), true) });
  return { io: { stdout: stream((t) => (out += t)), stderr: stream((t) => (err += t)), env: {} } as unknown as Io, out: () => out, err: () => err };
}

function piped(text: string) {
  const input = new PassThrough();
  input.end(text);
  return input;
}

describe("understudy passwd", () => {
  it("hashes the first line of stdin; the hash verifies and the password appears nowhere", async () => {
    const { io, out, err } = capture();
    expect(await passwd(["--name", "alice"], io, piped("s3cret-horse-battery\nignored\n"))).toBe(0);
    const hash = out().trim();
    expect(hash).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
    expect(await verifyPassword("s3cret-horse-battery", hash)).toBe(true);
    expect(err()).toContain(`- { name: alice, role: operator, password_hash: "${hash}" }`);
    expect(out() + err()).not.toContain("s3cret");
  });

  it("asks twice without echo on a terminal and refuses when they differ", async () => {
    const { io, out, err } = capture();
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
    const done = passwd([], io, input);
    input.write("first-password\r");
    await new Promise((resolve) => setImmediate(resolve));
    input.write("other-password\r");
    await expect(done).rejects.toThrow("the two passwords differ");
    expect(out()).toBe("");
    expect(err()).toBe("Password: \nAgain: \n");
  });

  it("refuses a short password", async () => {
    await expect(passwd([], capture().io, piped("short\n"))).rejects.toThrow("at least 8 characters");
  });
});

describe("understudy token create", () => {
  it("prints the token once with the hash line to paste", async () => {
    const { io, out } = capture();
    expect(await token(["create", "ci", "--role", "operator"], io)).toBe(0);
    const secret = /\n {2}(ust_\S+)\n/.exec(out())![1]!;
    expect(out()).toContain(`- { name: ci, role: operator, token_hash: "${hashToken(secret)}" }`);
    expect(out().split(secret)).toHaveLength(2);
  });

  it("refuses an unknown role or a missing name", async () => {
    await expect(token(["create", "ci", "--role", "admin"], capture().io)).rejects.toThrow("--role must be viewer or operator");
    await expect(token(["create"], capture().io)).rejects.toThrow("one NAME");
  });
});
