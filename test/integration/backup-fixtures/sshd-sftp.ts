// A real OpenSSH server on loopback with the SFTP subsystem (internal-sftp), for the SFTP target and
// replication. helpers/sshd.ts starts sshd without a Subsystem line (its tests only exec commands);
// this is the same setup plus that line. Same shape as helpers' Sshd, so tests read alike.
import { execFile } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startDaemon } from "../helpers/daemon.js";
import { findBinary } from "../helpers/binaries.js";
import { freePort } from "../helpers/free-port.js";
import { makeTempDir } from "../helpers/temp-dir.js";
import type { Sshd } from "../helpers/sshd.js";

const run = promisify(execFile);

const keygen = (file: string) => run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "understudy-test", "-f", file]);

function bannerSeen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("data", (data) => done(data.toString().startsWith("SSH-")));
    socket.once("error", () => done(false));
  });
}

export async function startSftpServer(): Promise<Sshd> {
  const binary = findBinary("sshd");
  if (binary === undefined) throw new Error("sshd is not installed: apt-get install -y openssh-server");
  const temp = await makeTempDir("understudy-sftpd-");
  const dir = temp.path;
  try {
    await mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const [hostKey, clientKey, strangerKey] = ["host_ed25519", "client_ed25519", "stranger_ed25519"].map((name) => join(dir, name)) as [string, string, string];
    await Promise.all([keygen(hostKey), keygen(clientKey), keygen(strangerKey)]);
    await copyFile(`${clientKey}.pub`, join(dir, "authorized_keys"));
    const port = await freePort();
    const config = [
      `ListenAddress 127.0.0.1:${port}`, `HostKey ${hostKey}`, `PidFile ${dir}/sshd.pid`, `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password", "StrictModes no",
      "Subsystem sftp internal-sftp", "",
    ];
    await writeFile(join(dir, "sshd_config"), config.join("\n"));
    const { stdout } = await run("ssh-keygen", ["-lf", `${hostKey}.pub`]);
    const daemon = await startDaemon(binary, ["-D", "-e", "-f", join(dir, "sshd_config")], { ready: () => bannerSeen(port) });
    return {
      host: "127.0.0.1", port, user: userInfo().username, hostKeyFingerprint: stdout.split(" ")[1] ?? "",
      clientKeyFile: clientKey, strangerKeyFile: strangerKey,
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
