// The ssh kind against a real OpenSSH server (sshd) on 127.0.0.1 with a generated host key and an
// authorized key: exit codes and output, a pinned host key that does not match, a key the server
// refuses, and a key that is not a key.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { ssh } from "../../src/probes/ssh.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startSshd } from "./helpers/sshd.js";
import type { Sshd } from "./helpers/sshd.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

describe.skipIf(!requireBinaries("openssh-server openssh-client", "sshd", "ssh-keygen"))("ssh probe against a real OpenSSH server", () => {
  let sshd: Sshd;
  let clientKey: string;
  beforeAll(async () => {
    sshd = await startSshd();
    clientKey = await readFile(sshd.clientKeyFile, "utf8");
  });
  afterAll(() => sshd?.stop());

  async function probe(input: Record<string, unknown>, env: NodeJS.ProcessEnv = { SSH_KEY: clientKey }): Promise<ProbeResult> {
    const context = probeContext({ env, timeoutMs: 10_000 });
    contexts.push(context);
    const spec = { host: sshd.host, port: sshd.port, user: sshd.user, private_key: "env:SSH_KEY", host_key: sshd.hostKeyFingerprint, ...input };
    return ssh.run(ssh.schema.parse(spec), context.ctx);
  }

  it("runs a command and checks its exit code and stdout", async () => {
    const result = await probe({ command: ["echo", "it's alive"], stdout: { contains: "it's alive" } });
    expect(result).toMatchObject({ ok: true, details: { exit_code: 0 } });
    expect(result.message).toBe(`ssh ${sshd.user}@127.0.0.1:${sshd.port} echo it's alive exited with 0 as expected.`);
  });

  it("fails on an unexpected exit code and shows stderr", async () => {
    const result = await probe({ command: ["sh", "-c", "echo broken >&2; exit 3"] });
    expect(result).toMatchObject({ ok: false, reason: "exit_code", details: { exit_code: 3 } });
    expect(result.message).toContain('exited with 3, expected 0; stderr: "broken"');
    expect(await probe({ command: ["sh", "-c", "exit 3"], exit_code: 3 })).toMatchObject({ ok: true });
  });

  it("fails when stdout does not match", async () => {
    const result = await probe({ command: ["echo", "inactive"], stdout: { matches: "^active" } });
    expect(result).toMatchObject({ ok: false, reason: "output" });
    expect(result.message).toContain('stdout "inactive" does not match /^active/');
  });

  it("refuses a host whose key differs from the pinned one and names both fingerprints", async () => {
    const pinned = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    const result = await probe({ command: ["true"], host_key: pinned });
    expect(result).toMatchObject({ ok: false, reason: "host_key" });
    expect(result.message).toContain(`the host key is ${sshd.hostKeyFingerprint}, but ${pinned} is pinned`);
  });

  it("fails with reason auth when the server refuses the key, without showing it", async () => {
    const stranger = await readFile(sshd.strangerKeyFile, "utf8");
    const result = await probe({ command: ["true"] }, { SSH_KEY: stranger });
    expect(result).toMatchObject({ ok: false, reason: "auth" });
    expect(JSON.stringify(result)).not.toContain("PRIVATE KEY");
  });

  it("fails with reason key when the secret is not a private key", async () => {
    const result = await probe({ command: ["true"] }, { SSH_KEY: "not a key" });
    expect(result).toMatchObject({ ok: false, reason: "key" });
    expect(result.message).not.toContain("not a key");
  });

  it("settles as a timeout when aborted during a command that waits", async () => {
    const context = probeContext({ env: { SSH_KEY: clientKey }, timeoutMs: 10_000 });
    contexts.push(context);
    const spec = ssh.schema.parse({ host: sshd.host, port: sshd.port, user: sshd.user, private_key: "env:SSH_KEY", host_key: sshd.hostKeyFingerprint, command: ["cat"] });
    // `cat` waits for stdin until the connection goes, so it ends with the aborted connection
    // instead of outliving the test the way a `sleep` would.
    const running = ssh.run(spec, context.ctx);
    setTimeout(() => context.abort(), 500);
    expect(await running).toMatchObject({ ok: false, reason: "timeout" });
  });
});
