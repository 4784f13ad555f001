// Apprise in both forms. The CLI: the real apprise is a Python package that cannot be installed here,
// so a fake `apprise` executable on PATH records the argv and the APPRISE_URLS it was run with and
// exits as apprise does (0 sent, 1 a service failed, 3 nothing matched). The API: a local server that
// checks apprise-api's documented API (POST /notify/{KEY} and the stateless POST /notify).
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apprise } from "../../src/notify/apprise.js";
import { appriseApiContract } from "./helpers/fake-alerting-providers.js";
import { describeHostedKind, incident, send, serve } from "./helpers/hosted-conformance.js";

const URLS = "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123 mailtos://ops:hunter2pass@mail.example.org";

describe("apprise CLI (a fake apprise executable on PATH that records its argv and exits like apprise)", () => {
  let dir: string;
  let savedPath: string | undefined;
  const record = () => JSON.parse(readFileSync(join(dir, "record.json"), "utf8")) as { argv: string[]; urls: string | null };

  /** Writes bin/apprise: records argv and APPRISE_URLS, prints `output` to stderr, exits with `code` after `delayMs`. */
  function fakeApprise(code: number, output = "", delayMs = 0): void {
    const script = `#!${process.execPath}
require("node:fs").writeFileSync(${JSON.stringify(join(dir, "record.json"))}, JSON.stringify({ argv: process.argv.slice(2), urls: process.env.APPRISE_URLS ?? null }));
process.stderr.write(${JSON.stringify(output)});
setTimeout(() => process.exit(${code}), ${delayMs});
`;
    writeFileSync(join(dir, "bin", "apprise"), script);
    chmodSync(join(dir, "bin", "apprise"), 0o755);
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "understudy-apprise-"));
    mkdirSync(join(dir, "bin"));
    savedPath = process.env.PATH;
    process.env.PATH = `${join(dir, "bin")}${delimiter}${savedPath ?? ""}`;
  });
  afterAll(() => {
    process.env.PATH = savedPath;
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs apprise with title, body and type as arguments and the URLs only in APPRISE_URLS", async () => {
    fakeApprise(0);
    await expect(send(apprise, { urls: "env:APPRISE_URLS_SECRET", tag: "ops" }, incident, { APPRISE_URLS_SECRET: URLS })).resolves.toEqual({ ok: true });
    const { argv, urls } = record();
    expect(argv).toEqual([`--title=${incident.title}`, `--body=${incident.body}\n${incident.url}`, "--notification-type=failure", "--input-format=text", "--tag=ops"]);
    expect(urls).toBe(URLS);
    expect(argv.join(" ")).not.toContain("hunter2pass");
  });

  it("passes a config file with --config and sends a resolution as success", async () => {
    fakeApprise(0);
    await expect(send(apprise, { config: "/etc/understudy/apprise.yml" }, { ...incident, event: "resolved", url: undefined }, {})).resolves.toEqual({ ok: true });
    const { argv, urls } = record();
    expect(argv).toContain("--config=/etc/understudy/apprise.yml");
    expect(argv).toContain("--notification-type=success");
    expect(urls).toBeNull();
  });

  it("exit 1 (a service failed) is retryable and its output is shown without the URLs' secrets", async () => {
    fakeApprise(1, `2025-01-02 03:04:05,000 - WARNING - Failed to send to mailtos://ops:hunter2pass@mail.example.org\n2025-01-02 03:04:05,001 - ERROR - Sending Telegram notification failed: tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100123\n`);
    const result = await send(apprise, { urls: "env:U" }, incident, { U: URLS });
    expect(result).toMatchObject({ ok: false, retryable: true, reason: expect.stringMatching(/^apprise exit 1: at least one service could not be notified \(.*Sending Telegram notification failed/) as unknown });
    expect(result.ok ? "" : result.reason).not.toMatch(/hunter2pass|AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/);
  });

  it("exit 3 (nothing matched the tag) is permanent and says so", async () => {
    fakeApprise(3);
    expect(await send(apprise, { config: "/etc/apprise.yml", tag: "nobody" }, incident, {})).toEqual({ ok: false, retryable: false, reason: "apprise exit 3: no service matched (no URLs loaded, or the tag matches none)" });
  });

  it("a missing apprise says how to install it or point to it", async () => {
    expect(await send(apprise, { urls: "env:U", command: "apprise-not-installed-here" }, incident, { U: URLS })).toEqual({ ok: false, retryable: false, reason: "apprise-not-installed-here not found: install Apprise (pipx install apprise) or set apprise.command to its path" });
  });

  it("an apprise that hangs past the attempt's timeout is stopped and retryable", async () => {
    fakeApprise(0, "", 10_000);
    const started = Date.now();
    const result = await apprise.send(apprise.schema.parse({ urls: "env:U" }), incident, { signal: AbortSignal.timeout(300), secret: async () => URLS });
    expect(result).toEqual({ ok: false, retryable: true, reason: "apprise timed out or was cancelled" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describeHostedKind({
  provider: "apprise-api",
  kind: apprise,
  async start() {
    const server = await serve(appriseApiContract({ ops: URLS }, "Basic dW5kZXJzdHVkeTpzM2NyM3Q="));
    return { server, spec: { api_url: server.url, key: "ops", tag: "ops", authorization: "env:APPRISE_AUTH" }, env: { APPRISE_AUTH: "Basic dW5kZXJzdHVkeTpzM2NyM3Q=" }, badEnv: { APPRISE_AUTH: "Basic d3Jvbmc6d3Jvbmc=" } };
  },
  retryAfterMs: "none",
  errorText: "Payload lacks minimum requirements",
  expectRequest(req) {
    expect(req.path).toBe("/notify/ops");
    expect(req.json).toEqual({ title: incident.title, body: `${incident.body}\n${incident.url}`, type: "failure", format: "text", tag: "ops" });
  },
});

describe("apprise API (against a local server that checks apprise-api's documented API)", () => {
  it("posts the URLs from the secret to the stateless /notify", async () => {
    const contract = appriseApiContract({});
    const server = await serve(contract);
    await expect(send(apprise, { api_url: `${server.url}/`, urls: "env:U" }, { ...incident, severity: "low" }, { U: URLS })).resolves.toEqual({ ok: true });
    expect(server.violations).toEqual([]);
    expect(server.requests[0]!.path).toBe("/notify");
    expect(contract.delivered).toEqual([{ urls: URLS, title: incident.title, body: `${incident.body}\n${incident.url}`, type: "info" }]);
  });

  it("a key with no configuration on the server (204) is a permanent failure that names the key", async () => {
    const server = await serve(appriseApiContract({ ops: URLS }));
    expect(await send(apprise, { api_url: server.url, key: "opz" }, incident, {})).toEqual({ ok: false, retryable: false, reason: "HTTP 204: apprise-api has no configuration under the key opz" });
  });

  it("424 (a service behind Apprise failed) is retryable, with apprise-api's words", async () => {
    const contract = appriseApiContract({ ops: URLS });
    contract.failing = true;
    const server = await serve(contract);
    expect(await send(apprise, { api_url: server.url, key: "ops" }, incident, {})).toEqual({ ok: false, retryable: true, reason: "HTTP 424: One or more notification could not be sent" });
  });
});
