// The etcd password as a user meets it, against a real etcd with auth on: `understudy agents` signs in
// with a password from a file: secret; a wrong one is refused with the key to check, and neither the
// wrong password nor the right one is ever printed; a password typed into the config is refused before
// anything connects, and not printed either.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startEtcdCluster } from "./helpers/etcd.js";
import type { EtcdCluster } from "./helpers/etcd.js";

const available = requireBinaries("etcd-server", "etcd") && requireBinaries("etcd-client", "etcdctl");
const run = promisify(execFile);
const RIGHT = "Agent-pw-7c1f9e";
const WRONG = "Wr0ng-pw-d41d8c";

class Capture extends Writable {
  text = "";
  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    this.text += chunk.toString();
    done();
  }
}

describe.skipIf(!available)("the etcd password, never printed (etcd with auth on)", () => {
  let cluster: EtcdCluster;
  let dir: string;
  const config = (password: string) => {
    const file = join(dir, `understudy-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, `version: 1
hosts:
  A: { address: 127.0.0.1 }
services:
  web: { runs_on: [A] }
agents:
  coordination:
    etcd: { endpoints: [${cluster.endpoints[0]}], username: agent, password: ${JSON.stringify(password)}, ttl: 5s }
`);
    return file;
  };
  const agents = async (file: string, env: NodeJS.ProcessEnv = {}) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await main(["agents", "--config", file], { stdout, stderr, env });
    return { code, output: stdout.text + stderr.text };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-etcd-secret-"));
    cluster = await startEtcdCluster({ members: 1, extraArgs: ["--auth-token", "simple"] });
    const etcdctl = (...args: string[]) => run("etcdctl", ["--endpoints", cluster.endpoints[0]!, ...args], { env: { ...process.env, ETCDCTL_API: "3" } });
    await etcdctl("user", "add", "root:rootpw");
    await etcdctl("role", "add", "root");
    await etcdctl("user", "grant-role", "root", "root");
    await etcdctl("role", "add", "understudy");
    await etcdctl("role", "grant-permission", "understudy", "--prefix=true", "readwrite", "/understudy/");
    await etcdctl("user", "add", `agent:${RIGHT}`);
    await etcdctl("user", "grant-role", "agent", "understudy");
    await etcdctl("auth", "enable");
  });
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("signs in with the password from a file: secret and prints neither it nor its file's content", async () => {
    writeFileSync(join(dir, "right"), `${RIGHT}\n`);
    const result = await agents(config(`file:${join(dir, "right")}`));
    expect(result.output).toContain("0 agents under /understudy");
    expect(result.output).not.toContain(RIGHT);
  });

  it("a wrong password is refused with what to check, and not printed", async () => {
    writeFileSync(join(dir, "wrong"), `${WRONG}\n`);
    const result = await agents(config(`file:${join(dir, "wrong")}`));
    expect(result.code).toBe(2);
    expect(result.output).toContain('refused to authenticate user "agent": the user name or password is wrong');
    expect(result.output).not.toContain(WRONG);
  });

  it("an env: secret that is not set names the variable, not a value", async () => {
    const result = await agents(config("env:UNDERSTUDY_TEST_ETCD_PW"), {});
    expect(result.code).toBe(2);
    expect(result.output).toContain("UNDERSTUDY_TEST_ETCD_PW is not set");
  });

  it("a password written into the config is refused before anything connects, and not printed", async () => {
    const result = await agents(config(RIGHT));
    expect(result.code).toBe(2);
    expect(result.output).toMatch(/agents\.coordination\.etcd\.password: a secret reference/);
    expect(result.output).not.toContain(RIGHT);
  });
});
