// A real OpenSSH server (`/usr/sbin/sshd -D` from Debian's openssh-server) on 127.0.0.1 and a free
// port, with a fresh ed25519 host key and one authorized client key, for the current user. Returns
// the host key's fingerprint as `ssh-keygen -lf` prints it, which is what users pin. `listen` and
// `wrap` run it elsewhere: on a lab node's address, behind `ip netns exec NS …` (wrap is the argv
// prefix that execs sshd in the end, so the pid held is sshd's own).
import { execFile } from "node:child_process";
import { mkdir, writeFile, copyFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startDaemon } from "./daemon.js";
import { findBinary } from "./binaries.js";
import { freePort } from "./free-port.js";
import { makeTempDir } from "./temp-dir.js";

const run = promisify(execFile);

export interface Sshd {
  host: string;
  port: number;
  user: string;
  /** "SHA256:…" of the server's host key. */
  hostKeyFingerprint: string;
  /** The authorized client private key (OpenSSH format, no passphrase). */
  clientKeyFile: string;
  /** A second key pair's private key, not authorized. */
  strangerKeyFile: string;
  stop(): Promise<void>;
}

async function keygen(file: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "understudy-test", "-f", file]);
}

/** Resolves true once the server sends its SSH banner. */
function bannerSeen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("SSH-")));
    socket.once("error", () => done(false));
  });
}

export interface SshdOptions {
  /** The address to listen on (default 127.0.0.1). */
  listen?: string;
  /** The port (default a free one on the root namespace's loopback). */
  port?: number;
  /** An argv prefix that ends by exec'ing its remaining arguments (sshd's argv), e.g. ip netns exec. */
  wrap?: string[];
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  const binary = findBinary("sshd");
  if (binary === undefined) throw new Error("sshd is not installed: apt-get install -y openssh-server");
  const temp = await makeTempDir("understudy-sshd-");
  const dir = temp.path;
  try {
    // sshd refuses to start without its privilege separation directory (systemd normally creates it).
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const hostKey = join(dir, "host_ed25519");
    const clientKey = join(dir, "client_ed25519");
    const strangerKey = join(dir, "stranger_ed25519");
    await Promise.all([keygen(hostKey), keygen(clientKey), keygen(strangerKey)]);
    await copyFile(`${clientKey}.pub`, join(dir, "authorized_keys"));
    const host = options.listen ?? "127.0.0.1";
    const port = options.port ?? (await freePort());
    await writeFile(
      join(dir, "sshd_config"),
      [
        `ListenAddress ${host}:${port}`,
        `HostKey ${hostKey}`,
        `PidFile ${dir}/sshd.pid`,
        `AuthorizedKeysFile ${dir}/authorized_keys`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        // The temp dir is not owned the way StrictModes wants a home directory to be.
        "StrictModes no",
        // SFTP for the backup target and replication; the ssh probe tests only exec commands.
        "Subsystem sftp internal-sftp",
        "",
      ].join("\n"),
    );
    const { stdout } = await run("ssh-keygen", ["-lf", `${hostKey}.pub`]);
    const hostKeyFingerprint = stdout.split(" ")[1] ?? "";
    const argv = [...(options.wrap ?? []), binary, "-D", "-e", "-f", join(dir, "sshd_config")];
    const daemon = await startDaemon(argv[0]!, argv.slice(1), { ready: () => bannerSeen(host, port) });
    return {
      host,
      port,
      user: userInfo().username,
      hostKeyFingerprint,
      clientKeyFile: clientKey,
      strangerKeyFile: strangerKey,
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
