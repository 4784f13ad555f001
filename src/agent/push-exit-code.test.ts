// healthchecks.io's /push/TOKEN/<exit status>: 0 is a success, 1–255 a failure whose reason names the
// code (and the body's last line); anything else is an unknown path.
import { afterEach, describe, expect, it } from "vitest";
import type { PushSignalKind } from "../probes/push-ping.js";
import { createHandler, listenHttp, type HttpServer } from "./http.js";

let server: HttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve() {
  const signals: Array<{ token: string; kind: PushSignalKind; body: string }> = [];
  server = await listenHttp(createHandler({
    version: "1", uptime: () => 1, metrics: async () => ({ contentType: "text/plain", body: "" }),
    status: () => ({ source: "agent", agent: { name: "a", version: "1", started_at: null, uptime_s: null }, services: [], incidents: [] }),
    push: (token, signal) => {
      if (token !== "nightly") return false;
      signals.push({ token, kind: signal?.kind ?? "ok", body: signal?.body ?? "" });
      return true;
    },
  }), "127.0.0.1:0");
  return { url: server.url, signals };
}

describe("/push/TOKEN/<exit code>", () => {
  it("0 is a success, another code a failure naming the code after the body's last line", async () => {
    const { url, signals } = await serve();
    expect((await fetch(`${url}/push/nightly/0`)).status).toBe(200);
    expect((await fetch(`${url}/push/nightly/3`, { method: "POST", body: "rsync: starting\nrsync: No space left on device (28)" })).status).toBe(200);
    expect((await fetch(`${url}/push/nightly/255`)).status).toBe(200);
    expect(signals).toEqual([
      { token: "nightly", kind: "ok", body: "" },
      { token: "nightly", kind: "fail", body: "rsync: starting\nrsync: No space left on device (28)\nexit code 3: rsync: No space left on device (28)" },
      { token: "nightly", kind: "fail", body: "exit code 255" },
    ]);
  });

  it("a code past 255 or an unknown token is not found, like any unknown path", async () => {
    const { url, signals } = await serve();
    expect((await fetch(`${url}/push/nightly/256`)).status).toBe(404);
    expect((await fetch(`${url}/push/other/1`)).status).toBe(404);
    expect(signals).toEqual([]);
  });
});
