// A killed process is not a dead host: through the whole engine (scheduler, verdicts, incidents) on a fake
// clock, with probes answering as a real network would. A host is the root cause only when something
// about the host says so: a ping check failing, or every one of its checks timing out (nothing answers);
// a refused connection is the host answering, so the root cause is the service instance.
import { afterEach, describe, expect, it } from "vitest";
import { parseConfig } from "../config/load.js";
import type { ProbeResult } from "../probes/probe.js";
import { buildTopology, type Check } from "../model/topology.js";
import { FakeClock } from "./clock.js";
import { createAgentEvents } from "./events.js";
import type { Incident } from "./incidents.js";
import { startWatching, type Watcher } from "./watch.js";

let watcher: Watcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
});

const OK: ProbeResult = { ok: true, message: "ok", latencyMs: 1 };
const REFUSED: ProbeResult = { ok: false, reason: "refused", message: "connection refused", latencyMs: 1 };
const TIMEOUT: ProbeResult = { ok: false, reason: "timeout", message: "no answer", latencyMs: 1 };

/** L001 runs headscale only (an HTTP check, and a ping check of L001 when asked); O001 runs nginx. */
function lab(withPing: boolean) {
  const ping = withPing ? ", { ping: 100.64.0.2 }" : "";
  const loaded = parseConfig(`version: 1
hosts: { L001: { address: 100.64.0.2 }, O001: { address: 100.64.0.1 } }
services:
  headscale: { runs_on: [L001], criticality: critical, checks: [{ http: "https://hs.example.net/health" }${ping}] }
  nginx: { runs_on: [O001], checks: [{ http: "https://example.net/" }] }
`, "lab.yaml");
  if (!loaded.ok) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  return buildTopology(loaded.config);
}

/** Runs the lab; `answer` says what each of L001's checks returns once L001 "fails"; the incident ten minutes on. */
async function failL001(withPing: boolean, answer: (check: Check) => ProbeResult): Promise<Incident> {
  const clock = new FakeClock();
  const events = createAgentEvents();
  const opened: Incident[] = [];
  events.on("incident.opened", ({ incident }) => void opened.push(incident));
  let failing = false;
  watcher = startWatching({
    topology: lab(withPing), clock, events, random: () => 0,
    run: async (check) => (failing && check.host === "L001" ? answer(check) : OK),
  });
  await clock.advance(2 * 60_000);
  failing = true;
  await clock.advance(10 * 60_000);
  // One incident, opened once; read as it stands now (a host's failure found later re-roots it).
  expect(opened).toHaveLength(1);
  const current = watcher.incidents.current();
  expect(current).toHaveLength(1);
  return current[0]!;
}

describe("root cause: a host or its service instance", () => {
  it("connection refused on a host's only instance (the process killed): the root cause is the instance, not the host", async () => {
    const incident = await failL001(false, () => REFUSED);
    expect(incident.root).toMatchObject({ kind: "service", name: "headscale", hosts: ["L001"] });
    expect(incident.children).toEqual([]);
    expect(incident.title).toBe("headscale down");
    expect(incident.title).not.toContain("L001 down");
  });

  it("the process killed while ping still answers: the instance, not the host", async () => {
    const incident = await failL001(true, (check) => (check.kind === "ping" ? OK : REFUSED));
    expect(incident.root).toMatchObject({ kind: "service", name: "headscale" });
  });

  it("every check timing out and ping failing: the host is down, and its instance is a child", async () => {
    const incident = await failL001(true, () => TIMEOUT);
    expect(incident.root).toMatchObject({ kind: "host", name: "L001" });
    expect(incident.children.map((child) => `${child.kind}:${child.name}`)).toEqual(["service:headscale"]);
    expect(incident.title).toBe("L001 down: headscale");
  });

  it("every check timing out, with no ping check: nothing answers, so the host is down", async () => {
    const incident = await failL001(false, () => TIMEOUT);
    expect(incident.root).toMatchObject({ kind: "host", name: "L001" });
  });

  it("a ping check failing is the host's own word, whatever the other checks say", async () => {
    const incident = await failL001(true, (check) => (check.kind === "ping" ? { ok: false, reason: "loss", message: "100% packet loss", latencyMs: 1 } : REFUSED));
    expect(incident.root).toMatchObject({ kind: "host", name: "L001" });
  });
});
