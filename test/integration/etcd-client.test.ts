// The etcd client against a real 3-member cluster: every operation of the Etcd contract, leases, a
// watch that outlives its member, endpoint failover, and what the user reads when nothing answers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { EtcdError } from "../../src/coord/etcd-api.js";
import type { Compare, WatchEvent } from "../../src/coord/etcd-api.js";
import { EtcdClient, connectEtcd } from "../../src/coord/etcd-client.js";
import { waitFor as eventually } from "./agent-harness.js";
import { requireBinaries } from "./helpers/binaries.js";
import { memberHealthy, startEtcdCluster } from "./helpers/etcd.js";
import type { EtcdCluster } from "./helpers/etcd.js";
import { makeCerts } from "./helpers/certs.js";
import type { Certs } from "./helpers/certs.js";
import { freePort } from "./helpers/free-port.js";

const available = requireBinaries("etcd-server", "etcd") && requireBinaries("iproute2", "ss");
const run = promisify(execFile);

describe.skipIf(!available)("etcd client (3-member cluster)", () => {
  let cluster: EtcdCluster;
  let etcd: EtcdClient;

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 3 });
    etcd = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 1_000 });
  });
  afterAll(async () => {
    await etcd?.close();
    await cluster?.stop();
  });

  it("puts, gets, ranges a prefix and deletes", async () => {
    const { revision } = await etcd.put("/t/kv/a", "1");
    await etcd.put("/t/kv/b", "ünïcode ✓");
    await etcd.put("/t/kw", "outside the prefix");
    const a = await etcd.get("/t/kv/a");
    expect(a).toMatchObject({ key: "/t/kv/a", value: "1", createRevision: revision, modRevision: revision, version: 1, lease: "0" });
    const { kvs, revision: now } = await etcd.range("/t/kv/");
    expect(kvs.map((kv) => [kv.key, kv.value])).toEqual([["/t/kv/a", "1"], ["/t/kv/b", "ünïcode ✓"]]);
    expect(now).toBeGreaterThan(revision);
    expect(await etcd.get("/t/missing")).toBeUndefined();
    expect(await etcd.delete("/t/kv/", { prefix: true })).toEqual({ deleted: 2 });
    expect(await etcd.get("/t/kw")).toMatchObject({ value: "outside the prefix" });
    expect(await etcd.delete("/t/kw")).toEqual({ deleted: 1 });
    expect((await etcd.range("/t/")).kvs).toEqual([]);
  });

  it("runs transactions: each compare target decides the branch", async () => {
    const lease = await etcd.leaseGrant(30);
    const { revision } = await etcd.put("/t/txn", "v1", { lease: lease.id });
    await etcd.put("/t/txn", "v2", { lease: lease.id });
    const kv = (await etcd.get("/t/txn"))!;
    expect(kv).toMatchObject({ createRevision: revision, version: 2, lease: lease.id });
    const cases: Array<[Compare, boolean]> = [
      [{ key: "/t/txn", target: "value", result: "equal", value: "v2" }, true],
      [{ key: "/t/txn", target: "value", result: "equal", value: "v1" }, false],
      [{ key: "/t/txn", target: "value", result: "not-equal", value: "v1" }, true],
      [{ key: "/t/txn", target: "create", result: "equal", value: revision }, true],
      [{ key: "/t/txn", target: "create", result: "less", value: revision }, false],
      [{ key: "/t/txn", target: "mod", result: "greater", value: revision }, true],
      [{ key: "/t/txn", target: "mod", result: "less", value: revision }, false],
      [{ key: "/t/txn", target: "version", result: "equal", value: 2 }, true],
      [{ key: "/t/txn", target: "version", result: "not-equal", value: 2 }, false],
      [{ key: "/t/txn", target: "lease", result: "equal", value: lease.id }, true],
      [{ key: "/t/txn", target: "lease", result: "equal", value: "0" }, false],
      [{ key: "/t/absent", target: "create", result: "equal", value: 0 }, true],
    ];
    for (const [compare, expected] of cases) {
      const result = await etcd.txn({
        compare: [compare],
        success: [{ put: { key: "/t/branch", value: "success" } }, { range: { key: "/t/txn" } }],
        failure: [{ put: { key: "/t/branch", value: "failure" } }, { range: { key: "/t/t", prefix: true } }],
      });
      expect({ compare, succeeded: result.succeeded }).toEqual({ compare, succeeded: expected });
      expect((await etcd.get("/t/branch"))?.value).toBe(expected ? "success" : "failure");
      expect(result.revision).toBe((await etcd.get("/t/branch"))?.modRevision);
      expect(result.responses[0]).toEqual([]);
      expect(result.responses[1]!.map((kv) => kv.key)).toEqual(expected ? ["/t/txn"] : ["/t/txn"]);
    }
    const deleting = await etcd.txn({ compare: [], success: [{ delete: { key: "/t/", prefix: true } }] });
    expect(deleting.succeeded).toBe(true);
    expect((await etcd.range("/t/")).kvs).toEqual([]);
    await etcd.leaseRevoke(lease.id);
  });

  it("drops a lease's keys when it is revoked, and when its TTL passes without keepalive", async () => {
    const revoked = await etcd.leaseGrant(30);
    await etcd.put("/t/lease/revoked", "x", { lease: revoked.id });
    expect(await etcd.get("/t/lease/revoked")).toBeDefined();
    await etcd.leaseRevoke(revoked.id);
    expect(await etcd.get("/t/lease/revoked")).toBeUndefined();
    expect(await etcd.leaseKeepAlive(revoked.id)).toBe(0);
    await etcd.leaseRevoke(revoked.id); // already gone: not an error

    const expiring = await etcd.leaseGrant(2);
    expect(expiring.ttl).toBe(2);
    await etcd.put("/t/lease/expiring", "x", { lease: expiring.id });
    await eventually("the key on an unrenewed 2 s lease vanishing", async () => (await etcd.get("/t/lease/expiring")) === undefined);
    expect(await etcd.leaseKeepAlive(expiring.id)).toBe(0);
  });

  it("keeps a key alive past its TTL while the lease is renewed", async () => {
    const lease = await etcd.leaseGrant(2);
    await etcd.put("/t/lease/kept", "x", { lease: lease.id });
    const started = Date.now();
    while (Date.now() - started < 5_000) {
      expect(await etcd.leaseKeepAlive(lease.id)).toBeGreaterThan(0);
      await sleep(400);
    }
    expect(await etcd.get("/t/lease/kept")).toMatchObject({ value: "x", lease: lease.id });
    await etcd.leaseRevoke(lease.id);
  });

  it("watches puts and deletes in order, from a past revision", async () => {
    const { revision } = await etcd.put("/t/w1/a", "1");
    await etcd.put("/t/w1/b", "2");
    await etcd.delete("/t/w1/a");
    await etcd.put("/t/other", "not watched");
    const seen: WatchEvent[] = [];
    const cancel = etcd.watch("/t/w1/", { fromRevision: revision, onEvents: (events) => seen.push(...events) });
    try {
      await etcd.put("/t/w1/c", "3");
      await eventually("4 watch events", () => seen.length >= 4);
      expect(seen.map((event) => [event.type, event.kv.key, event.kv.value])).toEqual([
        ["put", "/t/w1/a", "1"],
        ["put", "/t/w1/b", "2"],
        ["delete", "/t/w1/a", ""],
        ["put", "/t/w1/c", "3"],
      ]);
    } finally {
      cancel();
    }
  });

  it("says when a watch starts before the compacted history, then carries on with new events", async () => {
    const { revision: old } = await etcd.put("/t/w3/a", "1");
    const { revision: latest } = await etcd.put("/t/w3/a", "2");
    await run("etcdctl", ["--endpoints", cluster.endpoints.join(","), "compact", String(latest)], { env: { ...process.env, ETCDCTL_API: "3" } });
    const seen: WatchEvent[] = [];
    const errors: Error[] = [];
    const cancel = etcd.watch("/t/w3/", { fromRevision: old, onEvents: (events) => seen.push(...events), onError: (error) => errors.push(error) });
    try {
      await eventually("the compaction being reported", () => errors.some((error) => /compacted/.test(error.message)));
      // The watch restarts at the current revision; write until it hears a write made after that.
      await eventually("an event after compaction", async () => {
        await etcd.put("/t/w3/b", "3");
        return seen.length > 0;
      });
      expect(new Set(seen.map((event) => `${event.kv.key}=${event.kv.value}`))).toEqual(new Set(["/t/w3/b=3"]));
      expect(errors.find((error) => /compacted/.test(error.message))?.message).toContain("Re-read the prefix");
    } finally {
      cancel();
    }
  });

  it("keeps watching without losing or repeating events when its member stops, and fails over requests", async () => {
    const watcher = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 1_000 });
    const writer = new EtcdClient({ endpoints: [...cluster.endpoints].reverse(), timeoutMs: 1_000 });
    const seen: WatchEvent[] = [];
    const errors: Error[] = [];
    const first = cluster.members[0]!;
    const cancel = watcher.watch("/t/w2/", { onEvents: (events) => seen.push(...events), onError: (error) => errors.push(error) });
    try {
      await writer.put("/t/w2/0", "0");
      await eventually("the first event", () => seen.length >= 1);
      await first.stop();
      for (let index = 1; index <= 20; index++) await writer.put(`/t/w2/${index}`, String(index));
      await eventually("all 21 events", () => seen.length >= 21);
      await sleep(500);
      expect(seen.map((event) => event.kv.value)).toEqual(Array.from({ length: 21 }, (_, index) => String(index)));
      expect(errors.map(String).join("\n")).toContain(first.endpoint);

      // The watcher's client stuck to the first member; its next request finds another one.
      await watcher.put("/t/w2/after", "failover");
      expect((await writer.get("/t/w2/after"))?.value).toBe("failover");
    } finally {
      cancel();
      await watcher.close();
      await writer.close();
      await first.restart();
      await eventually("the restarted member being healthy", () => memberHealthy(first.endpoint));
    }
  });

  it("leaves a member that hangs (SIGSTOP) for the next one", async () => {
    const client = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 800 });
    const first = cluster.members[0]!;
    try {
      await client.put("/t/hang", "before");
      first.pause();
      await client.put("/t/hang", "during");
      expect((await client.get("/t/hang"))?.value).toBe("during");
    } finally {
      first.resume();
      await client.close();
    }
  });

  it("fails over when the first member is killed", async () => {
    const client = new EtcdClient({ endpoints: cluster.endpoints, timeoutMs: 1_000 });
    const first = cluster.members[0]!;
    try {
      await client.put("/t/kill", "before");
      first.kill();
      await client.put("/t/kill", "after");
      expect((await client.get("/t/kill"))?.value).toBe("after");
    } finally {
      await client.close();
      await first.restart();
      await eventually("the restarted member being healthy", () => memberHealthy(first.endpoint));
    }
  });

  it("says which endpoints it tried and what to check when none answers", async () => {
    const endpoints = [`http://127.0.0.1:${await freePort()}`, `http://127.0.0.1:${await freePort()}`];
    const client = new EtcdClient({ endpoints, timeoutMs: 500 });
    try {
      const error = await client.get("/x").then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(EtcdError);
      expect((error as EtcdError).code).toBe("unreachable");
      expect((error as EtcdError).message).toContain(endpoints[0]);
      expect((error as EtcdError).message).toContain(endpoints[1]);
      expect((error as EtcdError).message).toContain("ECONNREFUSED");
      expect((error as EtcdError).message).toMatch(/check that etcd runs.*endpoints/);
    } finally {
      await client.close();
    }
  });

  it("leaves no socket open after close, even with a watch running", async () => {
    // Established TCP connections from this process to the cluster's client ports, as the kernel sees
    // them (idle keep-alive sockets included, which Node's own resource list leaves out).
    const ports = new Set(cluster.endpoints.map((endpoint) => new URL(endpoint).port));
    const sockets = async () => {
      const { stdout } = await run("ss", ["-tnpH", "state", "established"]);
      return stdout.split("\n").filter((line) => line.includes(`pid=${process.pid},`) && [...ports].some((port) => line.includes(`:${port} `))).length;
    };
    const client = new EtcdClient({ endpoints: cluster.endpoints });
    const seen: WatchEvent[] = [];
    const { revision } = await client.range("/t/close/");
    client.watch("/t/close/", { fromRevision: revision + 1, onEvents: (events) => seen.push(...events) });
    await client.put("/t/close/a", "1");
    await eventually("the watch event", () => seen.length >= 1);
    expect(await sockets()).toBeGreaterThanOrEqual(2); // the watch stream and the idle keep-alive one
    await client.close();
    await eventually("every socket to etcd closed", async () => (await sockets()) === 0, 5_000);
    await expect(client.get("/t/close/a")).rejects.toThrow(/closed/);
  });
});

describe.skipIf(!available || !requireBinaries("etcd-client", "etcdctl"))("etcd client with auth on", () => {
  let cluster: EtcdCluster;
  const etcdctl = (...args: string[]) => run("etcdctl", ["--endpoints", cluster.endpoints[0]!, ...args], { env: { ...process.env, ETCDCTL_API: "3" } });

  beforeAll(async () => {
    cluster = await startEtcdCluster({ members: 1, extraArgs: ["--auth-token", "simple"] });
    await etcdctl("user", "add", "root:rootpw");
    await etcdctl("role", "add", "root");
    await etcdctl("user", "grant-role", "root", "root");
    await etcdctl("role", "add", "understudy");
    await etcdctl("role", "grant-permission", "understudy", "--prefix=true", "readwrite", "/understudy/");
    await etcdctl("user", "add", "agent:agentpw");
    await etcdctl("user", "grant-role", "agent", "understudy");
    await etcdctl("auth", "enable");
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it("signs in, says when the password is wrong or a key is not allowed, and signs in again after a restart", async () => {
    const agent = await connectEtcd({ endpoints: cluster.endpoints, username: "agent", password: "env:ETCD_PW" }, async (ref) => (ref === "env:ETCD_PW" ? "agentpw" : ""));
    const wrong = new EtcdClient({ endpoints: cluster.endpoints, username: "agent", password: "nope" });
    const anonymous = new EtcdClient({ endpoints: cluster.endpoints });
    try {
      await agent.put("/understudy/a", "1");
      expect((await agent.get("/understudy/a"))?.value).toBe("1");

      const denied = await agent.put("/elsewhere", "1").then(() => undefined, (caught: unknown) => caught);
      expect(denied).toMatchObject({ name: "EtcdError", code: "auth" });
      expect(String(denied)).toMatch(/permission denied/);

      const refused = await wrong.get("/understudy/a").then(() => undefined, (caught: unknown) => caught);
      expect(refused).toMatchObject({ name: "EtcdError", code: "auth" });
      expect(String(refused)).toContain('user "agent"');
      expect(String(refused)).toContain("password is wrong");

      const anonymousError = await anonymous.get("/understudy/a").then(() => undefined, (caught: unknown) => caught);
      expect(anonymousError).toMatchObject({ name: "EtcdError", code: "auth" });
      expect(String(anonymousError)).toContain("set agents.coordination.etcd.username");

      // A restart forgets every simple token: the client must sign in again by itself.
      await cluster.members[0]!.restart();
      await eventually("the member being healthy", () => memberHealthy(cluster.endpoints[0]!));
      await agent.put("/understudy/a", "2");
      expect((await agent.get("/understudy/a"))?.value).toBe("2");
    } finally {
      await agent.close();
      await wrong.close();
      await anonymous.close();
    }
  });
});

describe.skipIf(!available || !requireBinaries("openssl", "openssl"))("etcd client over TLS with client certificates", () => {
  let cluster: EtcdCluster;
  let certs: Certs;

  beforeAll(async () => {
    certs = await makeCerts();
    cluster = await startEtcdCluster({ members: 1, clientTls: { certFile: certs.valid.certFile, keyFile: certs.valid.keyFile, caFile: certs.caFile } });
  });
  afterAll(async () => {
    await cluster?.stop();
    await certs?.stop();
  });

  it("talks to etcd with the CA and client certificate from the config's files", async () => {
    const client = await connectEtcd({ endpoints: cluster.endpoints, ca_file: certs.caFile, cert_file: certs.valid.certFile, key_file: certs.valid.keyFile }, async () => "");
    try {
      await client.put("/tls/a", "secure");
      expect((await client.get("/tls/a"))?.value).toBe("secure");
    } finally {
      await client.close();
    }
  });

  it("says it is a TLS problem when the CA is not trusted or no client certificate is given", async () => {
    const untrusted = new EtcdClient({ endpoints: cluster.endpoints, cert: certs.valid.cert.toString(), key: certs.valid.key.toString() });
    const anonymous = await connectEtcd({ endpoints: cluster.endpoints, ca_file: certs.caFile }, async () => "");
    try {
      for (const client of [untrusted, anonymous]) {
        const error = await client.get("/tls/a").then(() => undefined, (caught: unknown) => caught);
        expect(error).toMatchObject({ name: "EtcdError", code: "tls" });
        expect(String(error)).toContain(cluster.endpoints[0]);
        expect(String(error)).toContain("ca_file");
      }
    } finally {
      await untrusted.close();
      await anonymous.close();
    }
  });
});

describe.skipIf(!available)("etcd client configuration", () => {
  it("names the config key and file it cannot read", async () => {
    const error = await connectEtcd({ endpoints: ["https://127.0.0.1:2379"], ca_file: "/nonexistent/ca.pem" }, async () => "").then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EtcdError);
    expect(String(error)).toContain("agents.coordination.etcd.ca_file");
    expect(String(error)).toContain("/nonexistent/ca.pem");
    expect(String(error)).toContain("no such file");
  });
});
