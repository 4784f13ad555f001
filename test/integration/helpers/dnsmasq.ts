// A real dnsmasq (Debian's dnsmasq) serving one hosts file (`--addn-hosts`) on 127.0.0.1 and a free
// port, in the foreground, with nothing else (no /etc/hosts, no upstream, no config file). The
// hosts-file DNS provider's tests write the file and reload it with SIGHUP, as `pkill -HUP dnsmasq`
// does on a router.
import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { startDaemon } from "./daemon.js";
import { findBinary } from "./binaries.js";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";
import { dnsQuery } from "../../../src/probes/dns-query.js";

export interface Dnsmasq {
  server: string;
  port: number;
  hostsFile: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startDnsmasq(options: { hosts: string; localTtl: number }): Promise<Dnsmasq> {
  const binary = findBinary("dnsmasq");
  if (binary === undefined) throw new Error("dnsmasq is not installed: apt-get install -y dnsmasq");
  const temp = await makeTempDir("understudy-dnsmasq-");
  const hostsFile = join(temp.path, "hosts");
  try {
    await writeFile(hostsFile, options.hosts);
    const port = await freePort();
    const args = [
      "--no-daemon",
      "--conf-file=/dev/null",
      `--port=${port}`,
      "--listen-address=127.0.0.1",
      "--bind-interfaces",
      "--no-resolv",
      "--no-hosts",
      `--addn-hosts=${hostsFile}`,
      `--local-ttl=${options.localTtl}`,
      `--pid-file=${join(temp.path, "dnsmasq.pid")}`,
      // Stay the current user: the default ("dnsmasq") could not re-read a file in this private directory on SIGHUP.
      `--user=${userInfo().username}`,
      "--log-facility=-",
    ];
    const daemon = await startDaemon(binary, args, {
      ready: async () => (await dnsQuery({ host: "127.0.0.1", port }, "ready.invalid", "A", AbortSignal.timeout(500))).ok,
    });
    return {
      server: `127.0.0.1:${port}`,
      port,
      hostsFile,
      pid: daemon.child.pid!,
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
