// A real PowerDNS Authoritative server (`pdns_server` from Debian's pdns-server, gsqlite3 backend from
// pdns-backend-sqlite3) on 127.0.0.1: DNS on one free port, the HTTP API on another with an API key,
// one zone made with `pdnsutil`, and RFC 2136 updates allowed from loopback with one TSIG key. For
// the powerdns and rfc2136 DNS providers' tests.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { startDaemon } from "./daemon.js";
import { findBinary } from "./binaries.js";
import { freePort } from "./free-port.js";
import { querySerial } from "./named.js";
import { makeTempDir } from "./temp-dir.js";

const run = promisify(execFile);
const SCHEMA = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql";

export interface Pdns {
  /** "127.0.0.1:<port>" of the DNS listener. */
  server: string;
  port: number;
  /** "http://127.0.0.1:<port>" of the API. */
  apiUrl: string;
  apiKey: string;
  zone: string;
  key: { name: string; algorithm: "hmac-sha256"; secret: string };
  stop(): Promise<void>;
}

export async function startPdns(options: { zone: string; records: Array<{ name: string; type: string; ttl: number; content: string }> }): Promise<Pdns> {
  const binary = findBinary("pdns_server");
  const pdnsutil = findBinary("pdnsutil");
  if (binary === undefined || pdnsutil === undefined) throw new Error("pdns_server is not installed: apt-get install -y pdns-server pdns-backend-sqlite3");
  const temp = await makeTempDir("understudy-pdns-");
  const dir = temp.path;
  const { zone } = options;
  try {
    const [port, apiPort] = [await freePort(), await freePort()];
    const apiKey = randomBytes(16).toString("hex");
    const key = { name: "understudy-key", algorithm: "hmac-sha256" as const, secret: randomBytes(32).toString("base64") };
    const database = join(dir, "pdns.sqlite3");
    const db = new Database(database);
    db.exec(await readFile(SCHEMA, "utf8"));
    db.close();
    await writeFile(
      join(dir, "pdns.conf"),
      [
        "launch=gsqlite3",
        `gsqlite3-database=${database}`,
        "local-address=127.0.0.1",
        `local-port=${port}`,
        "api=yes",
        `api-key=${apiKey}`,
        "webserver=yes",
        "webserver-address=127.0.0.1",
        `webserver-port=${apiPort}`,
        "webserver-allow-from=127.0.0.0/8",
        `socket-dir=${dir}`,
        "guardian=no",
        "daemon=no",
        "disable-syslog=yes",
        "dnsupdate=yes",
        "allow-dnsupdate-from=127.0.0.0/8",
        "",
      ].join("\n"),
    );
    const util = (...args: string[]) => run(pdnsutil, [`--config-dir=${dir}`, ...args]);
    await util("create-zone", zone, `ns1.${zone}`);
    for (const record of options.records) await util("add-record", zone, record.name, record.type, String(record.ttl), record.content);
    await util("import-tsig-key", key.name, key.algorithm, key.secret);
    await util("set-meta", zone, "TSIG-ALLOW-DNSUPDATE", key.name);
    // As zones made through the API have it: each API change bumps the SOA serial.
    await util("set-meta", zone, "SOA-EDIT-API", "DEFAULT");
    const daemon = await startDaemon(binary, [`--config-dir=${dir}`], { ready: async () => (await querySerial(port, zone)) !== undefined });
    return {
      server: `127.0.0.1:${port}`,
      port,
      apiUrl: `http://127.0.0.1:${apiPort}`,
      apiKey,
      zone,
      key,
      async stop() {
        await daemon.stop();
        await temp.stop();
      },
    };
  } catch (error) {
    await temp.stop();
    throw error;
  }
}
