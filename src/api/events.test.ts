// GET /api/events over a real socket: a logged-in client gets the status at once, a new status after a
// service changes (throttled: a burst of changes becomes one message), and the incident as stored.
import { afterEach, describe, expect, it } from "vitest";
import { getRequestListener } from "@hono/node-server";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { openIncident } from "../store/incidents.js";
import type { Incident as EngineIncident } from "../engine/incidents.js";
import { fixtureApp, login, type Fixture } from "./app-fixture.js";

let fixture: Fixture;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  fixture?.close();
});

async function serve(f: Fixture): Promise<string> {
  server = createServer(getRequestListener(f.app.fetch));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads SSE messages from a response body as they arrive. */
function reader(response: Response) {
  const stream = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return async function next(): Promise<{ event: string; data: string }> {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        if (event) return { event, data: /^data: (.*)$/m.exec(block)?.[1] ?? "" };
        continue;
      }
      const { value, done } = await stream.read();
      if (done) throw new Error("stream ended");
      buffer += value;
    }
  };
}

describe("GET /api/events", () => {
  it("refuses anonymous clients", async () => {
    fixture = await fixtureApp();
    const base = await serve(fixture);
    expect((await fetch(`${base}/api/events`)).status).toBe(401);
  });

  it("sends the status at once and again after a service changes, one message for a burst", async () => {
    fixture = await fixtureApp();
    const base = await serve(fixture);
    const { cookie } = await login(fixture.app, "victor");
    const controller = new AbortController();
    const response = await fetch(`${base}/api/events`, { headers: { cookie }, signal: controller.signal });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const next = reader(response);
    const first = await next();
    expect(first.event).toBe("status");
    expect(JSON.parse(first.data).services.find((s: { name: string }) => s.name === "nginx").health).toBe("up");

    fixture.health.set("nginx", "down");
    for (const to of ["degraded", "down"] as const) fixture.events.emit("service.changed", { service: "nginx", from: "up", to, at: fixture.clock.now(), reason: "test" });
    await fixture.clock.advance(500);
    const second = await next();
    expect(second.event).toBe("status");
    expect(JSON.parse(second.data).services.find((s: { name: string }) => s.name === "nginx").health).toBe("down");

    const stored = openIncident(fixture.store, { root: { kind: "service", name: "nginx" }, title: "nginx down", severity: "high", at: fixture.clock.now(), children: [{ kind: "service", name: "vaultwarden" }] });
    const root = { kind: "service", name: "nginx", down: true, hosts: ["O001"], since: fixture.clock.now(), recoveredAt: undefined };
    fixture.events.emit("incident.opened", { incident: { id: 1, status: "open", root, children: [], title: "nginx down", severity: "high", affected: [], silenced: false, openedAt: fixture.clock.now(), resolvedAt: undefined, durationMs: undefined, mergedInto: undefined } as EngineIncident });
    const incident = await next();
    expect(incident.event).toBe("incident");
    expect(JSON.parse(incident.data)).toMatchObject({ kind: "opened", incident: { id: stored.id, title: "nginx down", children: [{ kind: "service", name: "vaultwarden" }], resolved_at: null } });
    controller.abort();
  });
});
