// The dead man's switch against a local HTTP server that counts the calls, on an injected clock.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { heartbeatSchema } from "../config/heartbeat.js";
import { FakeClock } from "../engine/clock.js";
import { waitFor } from "../../test/integration/agent-harness.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";
import { startOutsideHeartbeat, type BeatOutcome, type OutsideHeartbeat } from "./outside-heartbeat.js";

interface Call { method: string; path: string; body: string; userAgent: string | undefined }

/** A stand-in for healthchecks.io / Kuma / ntfy: counts calls, answers `status`, or never answers when `hang`. */
class CountingServer {
  readonly calls: Call[] = [];
  status = 200;
  hang = false;
  private readonly held: ServerResponse[] = [];
  private server: Server | undefined;
  url = "";

  async start(): Promise<this> {
    this.server = createServer((request: IncomingMessage, response: ServerResponse) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        this.calls.push({ method: request.method ?? "", path: request.url ?? "", body, userAgent: request.headers["user-agent"] });
        if (this.hang) this.held.push(response);
        else response.writeHead(this.status).end("OK");
      });
    });
    await new Promise<void>((done) => this.server!.listen(0, "127.0.0.1", done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const response of this.held) response.destroy();
    this.server?.closeAllConnections();
    await new Promise((done) => this.server?.close(done));
  }
}

let servers: CountingServer[] = [];
let beats: OutsideHeartbeat[] = [];
afterEach(async () => {
  await Promise.all(beats.map((beat) => beat.stop()));
  await Promise.all(servers.map((server) => server.close()));
  [servers, beats] = [[], []];
});

async function server(): Promise<CountingServer> {
  const started = await new CountingServer().start();
  servers.push(started);
  return started;
}

function start(clock: FakeClock, config: Record<string, unknown>, options: { acting?: () => boolean; env?: Record<string, string> } = {}) {
  const outcomes: BeatOutcome[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const spec = heartbeatSchema.parse(config);
  const beat = startOutsideHeartbeat({
    clock, config: () => spec, acting: options.acting ?? (() => true), log, userAgent: "understudy/test",
    secret: async (ref) => {
      const value = options.env?.[ref.slice("env:".length)];
      if (value === undefined) throw new Error(`environment variable ${ref.slice(4)} is not set`);
      return value;
    },
    onOutcome: (outcome) => void outcomes.push(outcome),
  });
  beats.push(beat);
  return { beat, outcomes, lines, settled: (n: number) => waitFor(`${n} beats`, () => outcomes.length >= n, 5_000) };
}

describe("the dead man's switch (against a local server counting calls)", () => {
  it("calls the URL when the agent starts and then every `every`, GET with the agent's User-Agent", async () => {
    const outside = await server();
    const clock = new FakeClock();
    const { settled } = start(clock, { url: `${outside.url}/ping/5b2c-uuid`, every: "1m" });
    await settled(1);
    expect(outside.calls).toEqual([{ method: "GET", path: "/ping/5b2c-uuid", body: "", userAgent: "understudy/test" }]);
    await clock.advance(59_000);
    // Nothing is due: a real pause lets a wrong call land before the count is read.
    await new Promise((done) => setTimeout(done, 100));
    expect(outside.calls).toHaveLength(1);
    await clock.advance(1_000);
    await settled(2);
    await clock.advance(60_000);
    await settled(3);
    expect(outside.calls).toHaveLength(3);
  });

  it("POSTs the body when asked (an ntfy topic publishes it)", async () => {
    const outside = await server();
    const { settled } = start(new FakeClock(), { url: `${outside.url}/understudy-alive`, method: "POST", body: "understudy agents alive" });
    await settled(1);
    expect(outside.calls).toEqual([{ method: "POST", path: "/understudy-alive", body: "understudy agents alive", userAgent: "understudy/test" }]);
  });

  it("logs an HTTP error, a refused connection and a call with no answer within the timeout, never throws, and says when it answers again; the URL's path is never logged", async () => {
    const outside = await server();
    const clock = new FakeClock();
    outside.status = 503;
    const { outcomes, lines, settled } = start(clock, { url: `${outside.url}/ping/secret-uuid`, every: "30s", timeout: "5s" });
    await settled(1);
    expect(outcomes[0]).toEqual({ sent: true, ok: false, error: "answered HTTP 503" });
    outside.hang = true;
    await clock.advance(30_000);
    await waitFor("the hanging call", () => outside.calls.length === 2, 5_000);
    await clock.advance(5_000);
    await settled(2);
    expect(outcomes[1]).toEqual({ sent: true, ok: false, error: "no answer within 5s" });
    outside.hang = false;
    outside.status = 200;
    // To the next beat (due 30 s after the last, at 60 s) and no further: its own 5 s timeout must not pass.
    await clock.advance(25_000);
    await settled(3);
    expect(outcomes[2]).toEqual({ sent: true, ok: true, status: 200 });
    const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
    expect(warnings).toEqual([
      `dead man's switch: calling ${outside.url}/… failed (answered HTTP 503); the outside service pages if this goes on; next try in 30s`,
      `dead man's switch: calling ${outside.url}/… failed (no answer within 5s); the outside service pages if this goes on; next try in 30s`,
    ]);
    expect(lines.some((line) => line.event === "heartbeat.recovered")).toBe(true);
    expect(JSON.stringify(lines)).not.toContain("secret-uuid");

    const closed = await server();
    const url = `${closed.url}/ping`;
    await closed.close();
    servers = servers.filter((s) => s !== closed);
    const refused = start(new FakeClock(), { url });
    await refused.settled(1);
    expect(refused.outcomes[0]).toEqual({ sent: true, ok: false, error: "ECONNREFUSED" });
  });

  it("only the acting agent calls: a follower stays silent until it leads", async () => {
    const outside = await server();
    const clock = new FakeClock();
    let leading = false;
    const { outcomes, settled } = start(clock, { url: `${outside.url}/ping`, every: "10s" }, { acting: () => leading });
    await settled(1);
    await clock.advance(10_000);
    await settled(2);
    expect(outcomes).toEqual([{ sent: false, why: "not acting" }, { sent: false, why: "not acting" }]);
    expect(outside.calls).toHaveLength(0);
    leading = true;
    await clock.advance(10_000);
    await settled(3);
    expect(outside.calls).toHaveLength(1);
  });

  it("reads a URL given as a secret reference at each beat, and says so when it cannot", async () => {
    const outside = await server();
    const clock = new FakeClock();
    const env: Record<string, string> = {};
    const { outcomes, settled } = start(clock, { url: "env:HC_PING_URL", every: "10s" }, { env });
    await settled(1);
    expect(outcomes[0]).toEqual({ sent: false, why: "secret", error: "env:HC_PING_URL cannot be read: environment variable HC_PING_URL is not set" });
    env.HC_PING_URL = `${outside.url}/ping/from-env`;
    await clock.advance(10_000);
    await settled(2);
    expect(outside.calls.map((call) => call.path)).toEqual(["/ping/from-env"]);
  });

  it("stops cleanly: a call in flight is aborted, and no timer is left", async () => {
    const outside = await server();
    outside.hang = true;
    const clock = new FakeClock();
    const { beat } = start(clock, { url: `${outside.url}/ping`, every: "10s", timeout: "1m" });
    await waitFor("the hanging call", () => outside.calls.length === 1, 5_000);
    await beat.stop();
    expect(clock.pending()).toBe(0);
    await clock.advance(60_000);
    expect(outside.calls).toHaveLength(1);
  });

  it("explains bad config", () => {
    expect(heartbeatSchema.parse({ url: "https://hc-ping.com/x" })).toMatchObject({ every: 60_000, method: "GET", timeout: 10_000 });
    expect(zodMessages(heartbeatSchema, { url: "hc-ping.com/x" })).toContain('url: expected an http(s) URL ("https://hc-ping.com/<uuid>") or a secret reference holding one ("env:NAME", "file:/path")');
    expect(zodMessages(heartbeatSchema, { url: "https://x.example", every: "100ms" })).toEqual(["every: expected at least 1s between calls"]);
    expect(zodMessages(heartbeatSchema, { url: "https://x.example", body: "hi" })).toEqual(["body: a body is sent only with method: POST; add method: POST or drop body"]);
  });
});
