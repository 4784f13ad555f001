// `understudy notify test` end to end through the entry point, against local receivers on loopback:
// one notifier that answers ok, one that refuses (403) and one whose secret is not set. It prints
// each one's answer, exits 1 when one failed, never prints a secret, and names an unknown notifier
// with a suggestion.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Io } from "./io.js";
import { main } from "./main.js";

function capture(env: NodeJS.ProcessEnv): Io & { out(): string; err(): string } {
  let out = "";
  let err = "";
  return {
    stdout: { write: (text: string) => ((out += text), true) } as unknown as Io["stdout"],
    stderr: { write: (text: string) => ((err += text), true) } as unknown as Io["stderr"],
    env,
    out: () => out,
    err: () => err,
  };
}

const NTFY_TOKEN = "tk_notifytestsecret0123456789";
const SLACK_PATH = "/services/T000/B000/slacksecretpath42";
let dir: string;
let server: Server;
const received: { path: string; headers: IncomingMessage["headers"]; body: unknown }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(body || "null") as unknown });
      if (req.url === "/") res.writeHead(req.headers.authorization === `Bearer ${NTFY_TOKEN}` ? 200 : 401, { "content-type": "application/json" }).end("{}");
      else res.writeHead(403, { "content-type": "text/plain" }).end("invalid_token");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), "understudy-notify-cli-"));
  writeFileSync(join(dir, "understudy.yaml"), `version: 1
hosts:
  H1: { address: 127.0.0.1 }
services:
  web: { runs_on: [H1] }
notify:
  - name: phone
    min_severity: critical
    ntfy: { url: "${base}/alerts", token: "env:NTFY_TOKEN" }
  - slack: { webhook_url: "env:SLACK_WEBHOOK" }
  - pagerduty: { routing_key: "env:PD_KEY", api_url: "${base}" }
`);
  process.env.SLACK_WEBHOOK_FOR_TEST = `${base}${SLACK_PATH}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
  delete process.env.SLACK_WEBHOOK_FOR_TEST;
});

// COLUMNS: table rows stay whole lines here; fit.test.ts checks the 80-column layout.
const env = () => ({ NTFY_TOKEN, SLACK_WEBHOOK: process.env.SLACK_WEBHOOK_FOR_TEST!, NO_COLOR: "1", COLUMNS: "1000" });

describe("understudy notify test", () => {
  it("sends through every notifier, whatever its min_severity, prints each answer and exits 1 when one failed", async () => {
    received.length = 0;
    const io = capture(env());
    expect(await main(["notify", "test", "--config", join(dir, "understudy.yaml")], io)).toBe(1);
    const lines = io.out().split("\n");
    expect(lines.find((line) => line.startsWith("phone"))).toMatch(/ntfy\s+ntfy http:\/\/127\.0\.0\.1:\d+\/alerts\s+ok$/);
    expect(lines.find((line) => line.startsWith("slack#2"))).toMatch(/failed: HTTP 403: invalid_token$/);
    expect(lines.find((line) => line.startsWith("pagerduty#3"))).toMatch(/failed: SecretError: secret env:PD_KEY: the environment variable PD_KEY is not set/);
    expect(io.out()).toContain("2 of 3 notifiers failed.");
    expect(io.out()).not.toContain(NTFY_TOKEN);
    expect(io.out()).not.toContain("slacksecretpath42");
    const ntfy = received.find((request) => request.path === "/");
    expect(ntfy?.body).toMatchObject({ topic: "alerts", title: "Understudy test notification" });
  });

  it("tests one notifier by name and answers in JSON", async () => {
    received.length = 0;
    const io = capture(env());
    expect(await main(["notify", "test", "phone", "--format", "json", "--config", join(dir, "understudy.yaml")], io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual([{ name: "phone", kind: "ntfy", target: expect.stringMatching(/^ntfy http/) as unknown, opened: { ok: true } }]);
    expect(received).toHaveLength(1);
  });

  it("names an unknown notifier with a suggestion and the configured ones (exit 2)", async () => {
    const io = capture(env());
    expect(await main(["notify", "test", "slak", "--config", join(dir, "understudy.yaml")], io)).toBe(2);
    expect(io.err()).toBe('understudy: no notifier named "slak"; did you mean "slack"? The configured notifiers: phone, slack#2, pagerduty#3\n');
  });

  it("says when a kind is known but not configured, and when the subcommand is misspelt", async () => {
    const io = capture(env());
    expect(await main(["notify", "test", "opsgenie", "--config", join(dir, "understudy.yaml")], io)).toBe(2);
    expect(io.err()).toContain('no notifier named "opsgenie"; no opsgenie notifier is configured. The configured notifiers: phone');
    const typo = capture(env());
    expect(await main(["notify", "tset", "--config", join(dir, "understudy.yaml")], typo)).toBe(2);
    expect(typo.err()).toContain('unknown subcommand "tset"; did you mean "test"?');
  });
});
