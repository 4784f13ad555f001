// `understudy failover` with no agent running: the instances are asked once by their own checks, so a
// person's switchover of a healthy primary is planned as one (fence required, final sync), and a
// primary whose checks fail is an unplanned failover, as the agent would see it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { freePort } from "../../test/integration/helpers/free-port.js";
import { openFailovers } from "./open.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function plan(primaryCheck: string) {
  const dir = mkdtempSync(join(tmpdir(), "understudy-open-"));
  dirs.push(dir);
  const file = join(dir, "understudy.yaml");
  writeFileSync(file, `version: 1
hosts: { a: { address: 127.0.0.1 }, b: { address: 127.0.0.1 } }
services:
  app:
    primary: a
    standby: [b]
    data: [{ sqlite: ${join(dir, "app.sqlite")} }]
    checks: [{ on: a, command: ${primaryCheck} }, { on: b, command: ["false"] }]
    failover: { mode: manual, fence: { command: ["true"] } }
agents: { listen: "127.0.0.1:${await freePort()}", data_dir: ${join(dir, "state")} }
`);
  const opened = await openFailovers(file, {}, { offline: true });
  try {
    const planned = opened.failovers.plan({ service: "app", kind: "failover", to: "b", force: false, reason: "asked on the command line" });
    if (!planned.ok) throw new Error(planned.message);
    return planned.plan;
  } finally {
    await opened.close();
  }
}

describe("a failover asked with no agent running", () => {
  test("of a primary that answers its checks: a switchover, its fence required and its last writes shipped first", async () => {
    const moved = await plan('["true"]');
    expect(moved.planned).toBe(true);
    expect(moved.steps.map((step) => `${step.name}${step.required ? "" : "?"}`).slice(0, 3)).toEqual(["fence", "sync", "check-replica"]);
  });

  test("of a primary whose checks fail: an unplanned failover (no final sync from a host that is down)", async () => {
    const moved = await plan('["false"]');
    expect(moved.planned).toBe(false);
    expect(moved.steps.map((step) => step.name)).not.toContain("sync");
  });
});
