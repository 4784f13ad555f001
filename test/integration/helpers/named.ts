// A real BIND 9 (`named` from Debian's bind9) serving one zone on 127.0.0.1 and a free port, for DNS
// tests. `reload(records)` rewrites the zone with a higher serial and has named reload it (SIGHUP,
// the signal behind `rndc reload`), then waits until the new serial is served.
import { createSocket } from "node:dgram";
import { utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import dnsPacket from "dns-packet";
import { startDaemon } from "./daemon.js";
import { findBinary } from "./binaries.js";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";

/** The options block every test named uses: loopback only, authoritative only, state in `dir`. */
export function namedOptions(dir: string, port: number): string {
  return `options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  session-keyfile "${dir}/session.key";
  managed-keys-directory "${dir}";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-query { any; };
};
`;
}

export interface ZoneSpec {
  /** The zone's origin, e.g. "example.test". */
  origin: string;
  /** Record lines relative to the origin, e.g. ["www IN A 10.0.0.1"]; SOA and NS are added. */
  records: string[];
}

export interface Named {
  port: number;
  /** "127.0.0.1:<port>", as a dns check's `server`. */
  server: string;
  /** The serial currently served. */
  serial: number;
  /** Replaces the zone's records and waits until named serves them. */
  reload(records: string[]): Promise<void>;
  stop(): Promise<void>;
}

function zoneText(zone: ZoneSpec, serial: number): string {
  return [
    "$TTL 60",
    `@ IN SOA ns1.${zone.origin}. hostmaster.${zone.origin}. ${serial} 3600 600 86400 60`,
    `@ IN NS ns1.${zone.origin}.`,
    "ns1 IN A 127.0.0.1",
    ...zone.records,
    "",
  ].join("\n");
}

/** Asks the server for the zone's SOA serial; undefined when it does not answer in time. */
export function querySerial(port: number, origin: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    const timer = setTimeout(() => done(undefined), 500);
    const done = (serial: number | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(serial);
    };
    socket.on("error", () => done(undefined));
    socket.on("message", (message) => {
      const soa = dnsPacket.decode(message).answers?.find((answer) => answer.type === "SOA");
      done(soa?.type === "SOA" ? soa.data.serial : undefined);
    });
    socket.send(dnsPacket.encode({ type: "query", id: 1, questions: [{ type: "SOA", name: origin }] }), port, "127.0.0.1");
  });
}

export async function startNamed(zone: ZoneSpec): Promise<Named> {
  const binary = findBinary("named");
  if (binary === undefined) throw new Error("named is not installed: apt-get install -y bind9");
  const temp = await makeTempDir("understudy-named-");
  const dir = temp.path;
  const zoneFile = join(dir, `${zone.origin}.zone`);
  const port = await freePort();
  let serial = 1;
  await writeFile(zoneFile, zoneText(zone, serial));
  await writeFile(
    join(dir, "named.conf"),
    `${namedOptions(dir, port)}zone "${zone.origin}" { type primary; file "${zoneFile}"; };
`,
  );
  // -g: foreground, logs to stderr; -4: IPv4 only; -n 1: one worker is plenty; runs as the current user.
  let daemon;
  try {
    daemon = await startDaemon(binary, ["-g", "-4", "-n", "1", "-c", join(dir, "named.conf")], {
      ready: async () => (await querySerial(port, zone.origin)) === 1,
    });
  } catch (error) {
    await temp.stop();
    throw error;
  }
  const named: Named = {
    port,
    server: `127.0.0.1:${port}`,
    serial,
    async reload(records) {
      serial += 1;
      await writeFile(zoneFile, zoneText({ ...zone, records }, serial));
      // named reloads a primary zone only when the file's mtime moved past the load time (in seconds).
      const later = new Date(Date.now() + 2_000);
      await utimes(zoneFile, later, later);
      daemon.child.kill("SIGHUP");
      const deadline = Date.now() + 15_000;
      while ((await querySerial(port, zone.origin)) !== serial) {
        if (Date.now() > deadline) throw new Error(`named did not serve serial ${serial} after reload:\n${daemon.output()}`);
        await sleep(100);
      }
      named.serial = serial;
    },
    async stop() {
      await daemon.stop();
      await temp.stop();
    },
  };
  return named;
}
