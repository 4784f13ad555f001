// GET /api/agents: who watches, as the dashboard's overview shows it. With coordination local, this
// agent; with etcd, the list `understudy agents` reads (mapped here from an AgentList as etcd gives it),
// gone agents named; etcd not answering is said, not a 500.
import { afterEach, describe, expect, it } from "vitest";
import type { AgentList } from "../coord/agent-list.js";
import { agentsView } from "./agents-view.js";
import { fixtureApp, TOKENS } from "./app-fixture.js";

const VIEWER = { headers: { authorization: `Bearer ${TOKENS.viewer}` } };
let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  close = undefined;
});

const LIST: AgentList = {
  prefix: "/understudy", leader: "h002", token: 7, revision: 40, orphans: [], gone: ["h001"],
  agents: [
    { name: "h002", version: "0.1.0", url: undefined, leader: true, startedAt: 1_000, leaseSince: 50_000, lease: "1", observations: 4, lastObservationAt: 58_000, down: [] },
    { name: "o001", version: "0.1.0", url: undefined, leader: false, startedAt: 2_000, leaseSince: 40_000, lease: "2", observations: 4, lastObservationAt: undefined, down: ["hs@l001"] },
  ],
};

describe("GET /api/agents", () => {
  it("with coordination local: this agent alone, leading", async () => {
    const fixture = await fixtureApp();
    close = fixture.close;
    const body = await (await fixture.app.request("/api/agents", VIEWER)).json();
    expect(body).toMatchObject({ coordination: "local", leader: "test", gone: [], agents: [{ name: "test", leader: true }] });
  });

  it("with etcd: every agent's lease age, what it sees down, and the gone ones", async () => {
    const fixture = await fixtureApp({ agents: async () => agentsView(LIST, 60_000, 2) });
    close = fixture.close;
    const response = await fixture.app.request("/api/agents", VIEWER);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      coordination: "etcd", leader: "h002", quorum: 2, gone: ["h001"],
      agents: [
        { name: "h002", version: "0.1.0", leader: true, started_at: new Date(1_000).toISOString(), lease_age_s: 10, last_observation_at: new Date(58_000).toISOString(), down: [] },
        { name: "o001", version: "0.1.0", leader: false, started_at: new Date(2_000).toISOString(), lease_age_s: 20, last_observation_at: null, down: ["hs@l001"] },
      ],
    });
  });

  it("etcd not answering: this agent only, and the reason, not an error page", async () => {
    const fixture = await fixtureApp({ agents: async () => { throw new Error("connect ECONNREFUSED 127.0.0.1:2379"); } });
    close = fixture.close;
    const response = await fixture.app.request("/api/agents", VIEWER);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ coordination: "etcd", leader: null, agents: [{ name: "test" }], error: "etcd did not answer: connect ECONNREFUSED 127.0.0.1:2379" });
  });

  it("anonymous callers get 401", async () => {
    const fixture = await fixtureApp();
    close = fixture.close;
    expect((await fixture.app.request("/api/agents")).status).toBe(401);
  });
});
