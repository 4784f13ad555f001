import { describe, expect, it } from "vitest";
import { command } from "./command.js";
import { ssh, fingerprintOf, shellQuote } from "./ssh.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

const SHELL_MESSAGE = 'a command is a list of arguments such as ["systemctl", "is-active", "nginx"], never a shell string; write ["sh", "-c", "…"] if a shell is really wanted';

describe("command schema", () => {
  it("reads an argument list as the command with exit code 0 expected", () => {
    expect(command.schema.parse(["systemctl", "is-active", "nginx"])).toEqual({ argv: ["systemctl", "is-active", "nginx"], exit_code: 0, env: {} });
  });

  it("reads the long form", () => {
    const spec = command.schema.parse({ argv: ["check"], exit_code: 1, stdout: { matches: "^ok" }, env: { A: "1" }, cwd: "/tmp" });
    expect(spec).toMatchObject({ exit_code: 1, stdout: { contains: [], matches: "^ok" }, cwd: "/tmp" });
  });

  it("refuses a shell string, alone or as argv, saying what to write instead", () => {
    expect(zodMessages(command.schema, "systemctl is-active nginx")).toContain(SHELL_MESSAGE);
    expect(zodMessages(command.schema, { argv: "ls -l" })).toContain(`argv: ${SHELL_MESSAGE}`);
    expect(zodMessages(command.schema, [])).toContain("the command needs at least the program to run");
    expect(zodMessages(command.schema, { argv: ["true"], exit_code: 256 }).join("\n")).toContain("exit_code");
  });
});

describe("ssh schema and helpers", () => {
  const base = { host: "h001.lan", private_key: "file:/etc/understudy/id_ed25519", command: ["true"] };
  const pin = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

  it("requires a pinned host key and defaults port and user", () => {
    expect(ssh.schema.parse({ ...base, host_key: pin })).toMatchObject({ port: 22, user: "root", host_key: pin, exit_code: 0 });
    expect(zodMessages(ssh.schema, base)).toEqual(["host_key: Invalid input: expected string, received undefined"]);
    expect(zodMessages(ssh.schema, { ...base, host_key: "ssh-ed25519 AAAAC3Nza…" })[0]).toContain("as printed by `ssh-keygen -lf");
    expect(zodMessages(ssh.schema, { ...base, host_key: pin, command: "uptime" })).toContain(`command: ${SHELL_MESSAGE}`);
    expect(zodMessages(ssh.schema, { ...base, host_key: pin, private_key: "-----BEGIN OPENSSH PRIVATE KEY-----" })[0]).toContain("secrets are never written in the config itself");
  });

  it("accepts a fingerprint with base64 padding and drops it", () => {
    expect(ssh.schema.parse({ ...base, host_key: `${pin}=` }).host_key).toBe(pin);
  });

  it("prints fingerprints as OpenSSH does: SHA256 and unpadded base64", () => {
    expect(fingerprintOf(Buffer.from("abc"))).toBe("SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
  });

  it("quotes arguments for the remote shell", () => {
    expect(["systemctl", "is-active", "nginx"].map(shellQuote).join(" ")).toBe("systemctl is-active nginx");
    expect(shellQuote("it's $HOME; rm -rf /")).toBe(`'it'\\''s $HOME; rm -rf /'`);
    expect(shellQuote("")).toBe("''");
  });
});
