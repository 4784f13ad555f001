// `understudy demo` as a person runs it: it prints an address and a login; logging in over HTTP shows
// the topology; killing Headscale's primary through the demo route is seen as an incident over SSE
// and ends in a failover to the standby; `demo kill` works from another terminal; Ctrl-C (SIGINT)
// stops everything and no service process is left. And every page has life in it from the start:
// Headscale's backups already hold snapshots (restorable: a restore test ran), the export line the demo
// prints lets `understudy status` and `understudy drill` in another terminal reach the demo's agent,
// and the drill runs and passes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, runCli, startCli, stopAll, waitFor } from "./agent-harness.js";

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), "understudy-demo-"));
}, 240_000);
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function childrenOf(pid: number): number[] {
  try {
    return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).trim().split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Reads SSE messages as they arrive, keeping every one seen. */
function sse(response: Response) {
  const seen: Array<{ event: string; data: unknown }> = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        if (event) seen.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? "null") });
      }
    }
  })();
  return seen;
}

describe("understudy demo", () => {
  it("runs a homelab, shows a kill as an incident over SSE and fails Headscale over, then stops everything", async () => {
    const demo = startCli(["demo", "--dir", dir, "--port", "0"]);
    const url = await waitFor("the demo's address", () => /Dashboard: +(http:\/\/\S+?)\/\n/.exec(demo.stdout())?.[1], 60_000);
    const [, user, password] = /Login: +(\S+) \/ (\S+)/.exec(demo.stdout())!;
    expect(user).toBe("demo");
    const children = childrenOf(demo.child.pid!);
    expect(children).toHaveLength(9);

    expect((await fetch(`${url}/api/topology`)).status).toBe(401);
    const login = await fetch(`${url}/api/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: user, password }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
    const { csrf, role } = (await login.json()) as { csrf: string; role: string };
    expect(role).toBe("operator");

    const topology = (await (await fetch(`${url}/api/topology`, { headers: { cookie } })).json()) as { hosts: Array<{ name: string }>; services: Array<{ name: string; active_host: string | null; health: string }> };
    expect(topology.hosts.map((host) => host.name).sort()).toEqual(["H001", "H002", "H003", "L001", "O001"]);
    expect(topology.services.find((service) => service.name === "headscale")).toMatchObject({ active_host: "L001" });
    await waitFor("every service up", async () => {
      const status = (await (await fetch(`${url}/api/status`, { headers: { cookie } })).json()) as { services: Array<{ health: string }> };
      return status.services.every((service) => service.health === "up");
    }, 60_000);

    const controller = new AbortController();
    const events = sse(await fetch(`${url}/api/events`, { headers: { cookie }, signal: controller.signal }));
    await waitFor("the first status event", () => events.some((message) => message.event === "status"));

    const kill = await fetch(`${url}/api/demo/kill/headscale`, { method: "POST", headers: { cookie, "x-csrf-token": csrf } });
    expect(await kill.json()).toEqual({ killed: "headscale", host: "L001" });
    const opened = await waitFor("the incident over SSE", () => events.find((message) => message.event === "incident" && (message.data as { kind: string }).kind === "opened"), 60_000);
    expect(JSON.stringify(opened.data)).toContain("headscale");
    const moved = await waitFor("Headscale served from its standby", async () => {
      const now = (await (await fetch(`${url}/api/topology`, { headers: { cookie } })).json()) as typeof topology;
      return now.services.find((service) => service.name === "headscale")?.active_host === "O001" && now;
    }, 60_000);
    expect(moved.services.find((service) => service.name === "headscale")?.health).not.toBe("down");
    controller.abort();

    // From another terminal: the CLI finds the running demo through its folder.
    const cli = await runCli(["demo", "kill", "nginx", "--dir", dir]);
    expect(cli).toMatchObject({ code: 0, stdout: expect.stringContaining("killed nginx on O001") });

    demo.signal("SIGINT");
    expect(await demo.exited).toBe(0);
    expect(demo.stdout()).toContain("stopped; nothing left running.");
    expect(children.filter(alive)).toEqual([]);
    expect((await runCli(["demo", "kill", "nginx", "--dir", dir])).stderr).toContain("no demo is running");
  }, 180_000);

  it("starts with snapshots taken, prints the line another terminal's CLI needs, and its drill runs and passes", async () => {
    const lived = join(dir, "lived");
    const demo = startCli(["demo", "--dir", lived, "--port", "0"]);
    const url = await waitFor("the demo's address", () => /Dashboard: +(http:\/\/\S+?)\/\n/.exec(demo.stdout())?.[1], 90_000);
    const exported = /^ {2}export UNDERSTUDY_CONFIG=(\S+) UNDERSTUDY_TOKEN=(ust_\S+)$/m.exec(demo.stdout());
    expect(exported, demo.stdout()).not.toBeNull();
    const env = { UNDERSTUDY_CONFIG: exported![1]!, UNDERSTUDY_TOKEN: exported![2]! };
    expect(demo.stdout()).toContain("Headscale's database has 3 snapshots already");

    // The Backups page's data: three snapshots on the demo's target, and the runs that made them.
    const headers = { authorization: `Bearer ${env.UNDERSTUDY_TOKEN}` };
    const backups = (await (await fetch(`${url}/api/backups`, { headers })).json()) as { snapshots: Array<{ service: string; target: string; bytes: number }> };
    expect(backups.snapshots.filter((snapshot) => snapshot.service === "headscale" && snapshot.target === "demo-local")).toHaveLength(3);
    expect(backups.snapshots.every((snapshot) => snapshot.bytes > 0)).toBe(true);

    // Another terminal, as the demo says: status asks the running agent (not the store), with the token.
    const status = await runCli(["status"], { cwd: tmpdir(), env });
    expect(status).toMatchObject({ code: 0, stdout: expect.stringContaining(`From the agent at ${url}`) });
    const refused = await runCli(["status"], { cwd: tmpdir(), env: { UNDERSTUDY_CONFIG: env.UNDERSTUDY_CONFIG, UNDERSTUDY_TOKEN: "" } });
    expect(refused.stderr).toContain("the agent requires a login: set UNDERSTUDY_TOKEN");

    await waitFor("every service up", async () => {
      const now = (await (await fetch(`${url}/api/status`, { headers })).json()) as { services: Array<{ health: string }> };
      return now.services.every((service) => service.health === "up");
    }, 60_000);
    const dry = await runCli(["drill", "headscale", "--dry-run"], { cwd: tmpdir(), env });
    expect(dry.stdout).toContain("the running agent detects the failure and fails over (automatic mode)");
    expect(dry.stdout).toContain("dry run: the preconditions pass");
    const drill = await runCli(["drill", "headscale"], { cwd: tmpdir(), env });
    expect(drill, drill.stderr).toMatchObject({ code: 0, stdout: expect.stringContaining("passed; headscale serves from L001 again") });
    expect(drill.stdout).toMatch(/drill #1 of headscale \(stop, the agent acted\): passed/);
    const topology = (await (await fetch(`${url}/api/topology`, { headers })).json()) as { services: Array<{ name: string; active_host: string | null }> };
    expect(topology.services.find((service) => service.name === "headscale")?.active_host).toBe("L001");

    demo.signal("SIGINT");
    expect(await demo.exited).toBe(0);
  }, 240_000);
});
