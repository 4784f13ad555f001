// `understudy status` against an agent with the dashboard on: the real API app (its auth included)
// served on loopback. Without UNDERSTUDY_TOKEN the agent answers 401 and the command says how to get
// a token before reading the store; with a viewer token it shows what the agent sees; a token the
// agent does not know is named as refused.
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureApp, TOKENS, type Fixture } from "../api/app-fixture.js";
import { hashToken } from "../api/auth/tokens.js";
import { parseConfig } from "../config/load.js";
import { openStore } from "../store/db.js";
import { storePathIn } from "../store/data-dir.js";
import type { Io } from "./io.js";
import { status } from "./status.js";

function config(listen: string, dataDir: string): string {
  return `version: 1
hosts:
  L001: { address: 100.64.0.2 }
  O001: { address: 100.64.0.1 }
services:
  headscale: { criticality: critical, primary: L001, standby: [O001] }
  nginx: { runs_on: [O001] }
agents: { listen: "${listen}", data_dir: "${dataDir}" }
dashboard:
  tokens:
    - { name: grafana, role: viewer, token_hash: "${hashToken(TOKENS.viewer)}" }
`;
}

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

describe("understudy status with the dashboard on", () => {
  let dir: string;
  let file: string;
  let server: Server;
  let fixture: Fixture;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "understudy-status-"));
    server = createServer();
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const { port } = server.address() as { port: number };
    url = `http://127.0.0.1:${port}`;
    const text = config(`127.0.0.1:${port}`, join(dir, "state"));
    file = join(dir, "understudy.yaml");
    writeFileSync(file, text);
    const parsed = parseConfig(text, file);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    fixture = await fixtureApp({}, parsed.config);
    server.on("request", getRequestListener(fixture.app.fetch));
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("says the agent requires a login and how to get a token when UNDERSTUDY_TOKEN is not set", async () => {
    const io = capture({});
    expect(await status(["--config", file], io)).toBe(1);
    expect(io.err()).toContain("the agent requires a login: set UNDERSTUDY_TOKEN (create one with `understudy token create NAME --role viewer`)");
    expect(io.err()).toContain(`the agent at ${url} requires a login and ${join(dir, "state")} holds no state yet`);
    expect(io.err()).not.toContain("start one with");
  });

  it("falls back to the store after the hint when the store holds state", async () => {
    openStore(storePathIn(join(dir, "state"))).close();
    try {
      const io = capture({});
      expect(await status(["--config", file], io)).toBe(0);
      expect(io.err()).toContain("the agent requires a login: set UNDERSTUDY_TOKEN");
      // The line wraps at 80 columns (piped output is 80 wide): read it unwrapped.
      expect(io.out().replace(/\n/g, " ")).toContain(`From the store in ${join(dir, "state")} (the agent at ${url} requires a login; health is unknown)`);
    } finally {
      rmSync(join(dir, "state"), { recursive: true, force: true });
    }
  });

  it("in an 80-column terminal the table and the source line fit 80 columns", async () => {
    openStore(storePathIn(join(dir, "state"))).close();
    try {
      const io = capture({ COLUMNS: "80" });
      expect(await status(["--config", file], io)).toBe(0);
      expect(io.out()).toContain("Services");
      expect(io.out().split("\n").filter((line) => line.length > 80)).toEqual([]);
    } finally {
      rmSync(join(dir, "state"), { recursive: true, force: true });
    }
  });

  it("shows what the agent sees with a viewer token in UNDERSTUDY_TOKEN", async () => {
    const io = capture({ UNDERSTUDY_TOKEN: TOKENS.viewer });
    expect(await status(["--config", file, "--format", "json"], io)).toBe(0);
    expect(io.err()).toBe("");
    const shown = JSON.parse(io.out()) as { from: { agent?: string }; source: string; services: Array<{ name: string; health: string }> };
    expect(shown.from.agent).toBe(url);
    expect(shown.source).toBe("agent");
    expect(shown.services.map((service) => [service.name, service.health])).toEqual([["headscale", "up"], ["nginx", "up"]]);
  });

  it("says the token was refused when the agent does not know it", async () => {
    const io = capture({ UNDERSTUDY_TOKEN: "ust_not-a-token-this-agent-knows-000000" });
    expect(await status(["--config", file], io)).toBe(1);
    expect(io.err()).toContain("the agent refused the token in UNDERSTUDY_TOKEN");
    expect(io.err()).toContain("understudy token create NAME --role viewer");
  });
});
