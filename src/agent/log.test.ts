// The agent's log lines are JSON and never carry a secret's value, however deep it sits.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, REDACTED } from "./log.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString("utf8")) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ destination, base: { agent: "vm" } }) };
}

describe("agent log", () => {
  it("writes one JSON line per call with the event, the agent and the message", () => {
    const { lines, logger } = capture();
    logger.warn({ event: "incident.opened", incident: 3 }, "incident #3 opened: web down");
    expect(lines).toEqual([expect.objectContaining({ level: 40, agent: "vm", event: "incident.opened", incident: 3, msg: "incident #3 opened: web down" })]);
    expect(typeof lines[0]!.time).toBe("string");
  });

  it("redacts secret values at any of the depths the agent logs, and keeps the paths of key files", () => {
    const { lines, logger } = capture();
    logger.error({
      token: "tk_live_123",
      request: { headers: { authorization: "Bearer abc" }, url: "https://ntfy.example/alerts" },
      notifier: { spec: { password: "hunter2", api_key: "k-1", private_key: "-----BEGIN" } },
      key_file: "/run/credentials/understudy/ssh_key",
    }, "delivery failed");
    const text = JSON.stringify(lines[0]);
    for (const secret of ["tk_live_123", "Bearer abc", "hunter2", "k-1", "-----BEGIN"]) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: REDACTED, request: { headers: REDACTED, url: "https://ntfy.example/alerts" }, notifier: { spec: { password: REDACTED } }, key_file: "/run/credentials/understudy/ssh_key" });
  });

  it("logs errors with their message under err", () => {
    const { lines, logger } = capture();
    logger.error({ err: new Error("disk full") }, "writing check results failed");
    expect(lines[0]).toMatchObject({ err: { type: "Error", message: "disk full" } });
  });
});
