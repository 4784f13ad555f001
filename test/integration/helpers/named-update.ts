// A real BIND 9 (`named` from Debian's bind9) serving one zone on 127.0.0.1 and a free port that
// accepts RFC 2136 updates signed with one TSIG key (`allow-update { key … }`), for the rfc2136 DNS
// provider's tests. The zone file lives in a temporary directory that named may write (its journal).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDaemon } from "./daemon.js";
import { findBinary } from "./binaries.js";
import { freePort } from "./free-port.js";
import { querySerial } from "./named.js";
import { makeTempDir } from "./temp-dir.js";
import { namedOptions } from "./named.js";

export interface UpdatableNamed {
  port: number;
  /** "127.0.0.1:<port>". */
  server: string;
  zone: string;
  key: { name: string; algorithm: "hmac-sha256" | "hmac-sha512"; secret: string };
  /** Update messages named accepted so far. */
  updates(): number;
  stop(): Promise<void>;
}

export async function startUpdatableNamed(options: { zone: string; records: string[]; algorithm?: "hmac-sha256" | "hmac-sha512" }): Promise<UpdatableNamed> {
  const binary = findBinary("named");
  if (binary === undefined) throw new Error("named is not installed: apt-get install -y bind9");
  const temp = await makeTempDir("understudy-named-update-");
  const dir = temp.path;
  const { zone } = options;
  const algorithm = options.algorithm ?? "hmac-sha256";
  const key = { name: "understudy-key", algorithm, secret: randomBytes(32).toString("base64") };
  const zoneFile = join(dir, `${zone}.zone`);
  const port = await freePort();
  await writeFile(
    zoneFile,
    ["$TTL 60", `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`, `@ IN NS ns1.${zone}.`, "ns1 IN A 127.0.0.1", ...options.records, ""].join("\n"),
  );
  await writeFile(
    join(dir, "named.conf"),
    `key "${key.name}" { algorithm ${algorithm}; secret "${key.secret}"; };
${namedOptions(dir, port)}zone "${zone}" { type primary; file "${zoneFile}"; allow-update { key "${key.name}"; }; };
`,
  );
  try {
    const daemon = await startDaemon(binary, ["-g", "-4", "-n", "1", "-c", join(dir, "named.conf")], {
      ready: async () => (await querySerial(port, zone)) !== undefined,
    });
    return {
      port,
      server: `127.0.0.1:${port}`,
      zone,
      key,
      // named logs each update it accepts, even one that changes nothing (and so keeps the serial).
      updates: () => daemon.output().split("\n").filter((line) => line.includes("updating zone") && line.includes("deleting rrset")).length,
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
