// Secrets follow one rule everywhere in the config: "env:NAME" or "file:/path", never the secret itself,
// and a value written where a secret belongs is never repeated: not by `validate`, not by an error of the
// etcd client, not by readSecret.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { connectEtcd } from "../coord/etcd-client.js";
import { formatDiagnostic } from "./diagnostics.js";
import { configJsonSchema } from "./json-schema.js";
import { parseConfig } from "./load.js";
import { readSecret, SECRET_REF_PATTERN, SecretError } from "./secret.js";

const PASSWORD = "Hunter2-literal-etcd-password";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

const dir = mkdtempSync(join(tmpdir(), "understudy-secret-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withEtcd = (password: string) => `version: 1
hosts:
  A: { address: 10.0.0.1 }
services:
  web: { runs_on: [A] }
agents:
  coordination:
    etcd:
      endpoints: ["http://127.0.0.1:2379"]
      username: understudy
      password: ${password}
`;

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, "understudy.yaml");
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.diagnostics.map(formatDiagnostic);
}

describe("a secret written into the config", () => {
  it("is refused as the etcd password, at its key, without being repeated", () => {
    const found = problems(withEtcd(PASSWORD));
    expect(found).toEqual([expect.stringMatching(/^understudy\.yaml:11:17: error: agents\.coordination\.etcd\.password: a secret reference: "env:NAME" .* or "file:\/path"/)]);
    expect(found.join("\n")).not.toContain(PASSWORD);
  });

  it("is not repeated when it has the wrong type either (a number, a list)", () => {
    for (const value of ["987654321987", `[${PASSWORD}]`]) {
      const found = problems(withEtcd(value)).join("\n");
      expect(found).toMatch(/agents\.coordination\.etcd\.password: expected a string, got a (number|list)/);
      expect(found).not.toContain("987654321987");
      expect(found).not.toContain(PASSWORD);
    }
  });

  it("is refused as a host's ssh private_key", () => {
    const found = problems(`version: 1\nhosts:\n  A: { address: 10.0.0.1, ssh: { private_key: "-----BEGIN OPENSSH PRIVATE KEY-----AAAA" } }\nservices: {}\n`).join("\n");
    expect(found).toContain("hosts.A.ssh.private_key: a secret reference");
    expect(found).not.toContain("AAAA");
  });

  it("accepts env: and file: references", () => {
    for (const ref of ["env:ETCD_PASSWORD", "file:/run/secrets/etcd"]) expect(parseConfig(withEtcd(ref), "understudy.yaml").ok).toBe(true);
  });

  it("makes `validate` exit 2 and print neither the password nor a stack", async () => {
    const file = join(dir, "etcd.yaml");
    writeFileSync(file, withEtcd(PASSWORD));
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(["validate", "--config", file], { stdout, stderr, env: {} });
    expect(code).toBe(2);
    expect(stderr.text).toContain(`${file}:11:17: error: agents.coordination.etcd.password:`);
    expect(stdout.text + stderr.text).not.toContain(PASSWORD);
  });

  it("every key the schema describes as a secret reference is checked as one", () => {
    const unchecked: string[] = [];
    const holdsPattern = (node: unknown): boolean => JSON.stringify(node).includes(JSON.stringify(SECRET_REF_PATTERN.source));
    const walk = (node: unknown, path: string) => {
      if (node === null || typeof node !== "object") return;
      const description = (node as { description?: unknown }).description;
      // A push token may be a plain id instead (it names a heartbeat, it need not be secret).
      if (typeof description === "string" && /secret reference/i.test(description) && !/plain id/.test(description) && !holdsPattern(node)) unchecked.push(path);
      for (const [key, child] of Object.entries(node)) walk(child, `${path}/${key}`);
    };
    walk(configJsonSchema(), "#");
    expect(unchecked).toEqual([]);
  });
});

describe("a literal where a reference belongs, at run time", () => {
  it("readSecret refuses it without repeating it", async () => {
    const error = await readSecret(PASSWORD, {}).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretError);
    expect(String(error)).toContain("is not a secret reference");
    expect(String(error)).not.toContain(PASSWORD);
  });

  it("the etcd client's error names the key, not the password", async () => {
    const error = await connectEtcd({ endpoints: ["http://127.0.0.1:1"], username: "understudy", password: PASSWORD }, (ref) => readSecret(ref, {}))
      .then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ name: "EtcdError", code: "auth" });
    expect(String(error)).toContain("agents.coordination.etcd.password");
    expect(String(error)).not.toContain(PASSWORD);
  });

  it("an unset env: reference is named (it is no secret), its missing value is not", async () => {
    const error = await readSecret("env:ETCD_PASSWORD", {}).then(() => undefined, (caught: unknown) => caught);
    expect(String(error)).toContain("secret env:ETCD_PASSWORD: the environment variable ETCD_PASSWORD is not set");
  });
});
