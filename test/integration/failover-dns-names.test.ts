// Several names per failover (the seed's O001 fronts seven hostnames): `failover.dns` as a list of
// records, switched together by `understudy failover` through a real BIND 9 (RFC 2136, TSIG), each read
// back; and when one of them cannot be written, those already written go back, so the names never
// disagree about where the service is. A hot standby (no data, no promote): the move is only DNS.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { readByQuery } from "../../src/dns/dns-read.js";
import { requireBinaries } from "./helpers/binaries.js";
import { startHttpServer, type TestHttpServer } from "./helpers/http-server.js";
import { startUpdatableNamed, type UpdatableNamed } from "./helpers/named-update.js";
import { makeTempDir, type TempDir } from "./helpers/temp-dir.js";

const available = requireBinaries("bind9", "named");
const ZONE = "lab.test";

describe.skipIf(!available)("several DNS names per failover, with a real BIND 9", () => {
  let named: UpdatableNamed;
  let dir: TempDir;
  let standby: TestHttpServer;
  beforeAll(async () => {
    named = await startUpdatableNamed({ zone: ZONE, records: ["git IN A 127.0.0.2", "photos IN A 127.0.0.2", "auth IN A 127.0.0.2"] });
    dir = await makeTempDir("understudy-dns-names-");
    standby = await startHttpServer((_request, response) => void response.end("ok"));
  }, 120_000);
  afterAll(async () => {
    await standby?.stop();
    await named?.stop();
    await dir?.stop();
  });

  const answer = async (name: string) => {
    const state = await readByQuery({ host: "127.0.0.1", port: named.port }, `${name}.${ZONE}`, "A", AbortSignal.timeout(2_000));
    return state.ok ? state.values : [];
  };

  function config(service: string, records: string[]): string {
    const file = join(dir.path, `${service}.yaml`);
    const rfc2136 = (zone: string) => `rfc2136: { server: "${named.server}", zone: ${zone}, tsig: { name: ${named.key.name}, algorithm: ${named.key.algorithm}, secret: "env:TSIG_SECRET" } }`;
    writeFileSync(file, `version: 1
hosts:
  proxy: { address: 127.0.0.2 }
  spare: { address: 127.0.0.1 }
services:
  ${service}:
    primary: proxy
    standby: [spare]
    checks:
      - { on: spare, http: "${standby.url}/", interval: 5s, timeout: 2s }
    failover:
      min_interval: 1s
      dns:
${records.map((record) => {
    const [name, zone = ZONE] = record.split("@");
    return `        - { ${rfc2136(zone!)}, name: ${name}.${ZONE}, type: A, ttl: 30 }`;
  }).join("\n")}
agents: { listen: "127.0.0.1:1", data_dir: ./${service}-state }
`);
    return file;
  }

  async function cli(args: string[]): Promise<{ code: number; out: string }> {
    let out = "";
    const sink = () => Object.assign(new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } }), { isTTY: false });
    const code = await main(args, { stdout: sink(), stderr: sink(), env: { ...process.env, TSIG_SECRET: named.key.secret } });
    return { code, out };
  }

  it("`understudy failover` points every listed name at the standby, each read back, and the dry run lists them all", async () => {
    const file = config("front", ["git", "photos"]);
    const dry = await cli(["failover", "front", "--dry-run", "--force", "--config", file]);
    expect(dry.out).toMatch(new RegExp(`git\\.${ZONE.replace(".", "\\.")} A, rfc2136: photos\\.${ZONE.replace(".", "\\.")} A 127\\.0\\.0\\.2 → 127\\.0\\.0\\.1`));
    expect(await answer("git")).toEqual(["127.0.0.2"]);

    const moved = await cli(["failover", "front", "--force", "--config", file]);
    expect(moved.code, moved.out).toBe(0);
    expect(await answer("git")).toEqual(["127.0.0.1"]);
    expect(await answer("photos")).toEqual(["127.0.0.1"]);
    // A name the config does not list is left alone.
    expect(await answer("auth")).toEqual(["127.0.0.2"]);
  }, 120_000);

  it("when one name cannot be written, the names written before it go back and the move is rolled back", async () => {
    // The second record's zone is not served by this BIND: its update is refused.
    const file = config("half", ["auth", "photos@elsewhere.test"]);
    const before = await answer("auth");
    const moved = await cli(["failover", "half", "--force", "--config", file]);
    expect(moved.code).not.toBe(0);
    expect(moved.out).toMatch(/switch/);
    expect(await answer("auth")).toEqual(before);
    const history = await cli(["history", "half", "--format", "json", "--config", file]);
    const runs = (JSON.parse(history.out) as { failovers: Array<{ status: string; steps: Array<{ step: string; status: string; output?: string }> }> }).failovers;
    expect(runs[0]?.status).not.toBe("done");
    const switchStep = runs[0]?.steps.find((step) => step.step === "switch");
    expect(switchStep?.status).toBe("failed");
  }, 120_000);

  it("validate names a record listed twice", async () => {
    const file = config("twice", ["git", "git"]);
    const checked = await cli(["validate", "--config", file]);
    expect(checked.code).not.toBe(0);
    expect(checked.out).toMatch(/git\.lab\.test A is listed twice/);
  });
});
