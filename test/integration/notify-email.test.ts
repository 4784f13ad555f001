// The email notifier against a REAL SMTP receiver (smtp-server) on 127.0.0.1: login, envelope,
// headers and body as received; STARTTLS with a private CA; and how SMTP failures are classified.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import type { SMTPServerOptions } from "smtp-server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { readSecret } from "../../src/config/secret.js";
import { email } from "../../src/notify/email.js";
import type { Notification } from "../../src/notify/notifier.js";

interface Received {
  auth?: { username?: string };
  from?: string;
  to: string[];
  raw: string;
  secure: boolean;
}

const PASSWORD = "correct horse battery staple";
const n: Notification = {
  key: "incident:7",
  event: "opened",
  severity: "high",
  title: "nfs down on H002",
  body: "jellyfin is unavailable.\nNo standby for nfs.",
  url: "http://127.0.0.1:8470/incidents/7",
  at: Date.UTC(2025, 5, 1, 12, 0, 0),
  fields: { root: "H002" },
};

let dir: string;
let servers: SMTPServer[] = [];

beforeAll(() => {
  // A self-signed certificate for 127.0.0.1, trusted through ca_file as a homelab relay would be.
  dir = mkdtempSync(join(tmpdir(), "understudy-smtp-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  servers = [];
});

async function smtp(options: Partial<SMTPServerOptions> = {}): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "understudy" && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          auth: { username: session.user as string | undefined },
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          secure: session.secure,
        });
        callback();
      });
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return { port: (server.server.address() as AddressInfo).port, received };
}

function send(spec: Record<string, unknown>, env: Record<string, string> = { SMTP_PASSWORD: PASSWORD }) {
  return email.send(email.schema.parse(spec), n, { signal: AbortSignal.timeout(10_000), secret: (ref) => readSecret(ref, env) });
}

const base = { host: "127.0.0.1", user: "understudy", password: "env:SMTP_PASSWORD", from: "Understudy <understudy@lab.example>", to: ["ops@lab.example", "oncall@lab.example"] };

describe("email against a real SMTP server (smtp-server on 127.0.0.1)", () => {
  it("logs in and delivers from/to, subject, threading headers and body", async () => {
    const { port, received } = await smtp({ disabledCommands: ["STARTTLS"] });
    await expect(send({ ...base, port, starttls: "off" })).resolves.toEqual({ ok: true });
    expect(received).toHaveLength(1);
    const mail = received[0]!;
    expect(mail.auth?.username).toBe("understudy");
    expect(mail.from).toBe("understudy@lab.example");
    expect(mail.to).toEqual(["ops@lab.example", "oncall@lab.example"]);
    expect(mail.raw).toMatch(/^Subject: \[understudy\] nfs down on H002$/m);
    expect(mail.raw).toMatch(/^From: Understudy <understudy@lab\.example>$/m);
    expect(mail.raw).toMatch(/^To: ops@lab\.example, oncall@lab\.example$/m);
    expect(mail.raw).toMatch(/^References: <incident%3A7@understudy>$/m);
    expect(mail.raw).toMatch(/^X-Understudy-Severity: high$/m);
    expect(mail.raw).toContain("jellyfin is unavailable.");
    expect(mail.raw).toContain("root: H002");
    expect(mail.raw).toContain("http://127.0.0.1:8470/incidents/7");
    expect(mail.raw).not.toContain(PASSWORD);
  });

  it("upgrades with STARTTLS, trusting a private certificate through ca_file", async () => {
    const { port, received } = await smtp({ key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) });
    await expect(send({ ...base, port, starttls: "required", ca_file: join(dir, "cert.pem") })).resolves.toEqual({ ok: true });
    expect(received[0]?.secure).toBe(true);
  });

  it("refuses to send in clear when STARTTLS is required but not offered", async () => {
    const { port, received } = await smtp({ disabledCommands: ["STARTTLS"] });
    const result = await send({ ...base, port, starttls: "required" });
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(received).toHaveLength(0);
  });

  it("reports a refused login as permanent, without the password", async () => {
    const { port } = await smtp({ disabledCommands: ["STARTTLS"] });
    const result = await send({ ...base, port, starttls: "off" }, { SMTP_PASSWORD: "wrong password here" });
    expect(result).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining("SMTP 535") as unknown });
    expect(JSON.stringify(result)).not.toContain("wrong password here");
  });

  it("retries a 4xx reply (greylisting, full mailbox) but not a 5xx one", async () => {
    const temporary = await smtp({
      disabledCommands: ["STARTTLS"],
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error("Greylisted, try again later"), { responseCode: 451 })),
    });
    expect(await send({ ...base, port: temporary.port, starttls: "off" })).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining("451") as unknown });
    const permanent = await smtp({
      disabledCommands: ["STARTTLS"],
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error("No such user"), { responseCode: 550 })),
    });
    expect(await send({ ...base, port: permanent.port, starttls: "off" })).toMatchObject({ ok: false, retryable: false, reason: expect.stringContaining("550") as unknown });
  });

  it("retries when the server cannot be reached", async () => {
    const { port } = await smtp();
    await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
    expect(await send({ ...base, port, starttls: "off" })).toMatchObject({ ok: false, retryable: true });
  });
});
