// An SFTP session over ssh2 with the host key pinned, and the few file operations the SFTP target and
// replication need, as promises. Uploads are fsynced (fsync@openssh.com) and renames replace the
// destination atomically (posix-rename@openssh.com), which plain SFTP rename does not.
import { createReadStream } from "node:fs";
import { Client } from "ssh2";
import type { SFTPWrapper } from "ssh2";
import { readSecret } from "../config/secret.js";
import { fingerprintOf } from "../probes/ssh.js";
import { describeNetError } from "../probes/net-error.js";
import { BackupError } from "./errors.js";
import type { SshEndpoint } from "./ssh-spec.js";

export interface SftpSession {
  sftp: SFTPWrapper;
  where: string;
  close(): void;
}

export async function openSftp(endpoint: SshEndpoint, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<SftpSession> {
  const privateKey = await readSecret(endpoint.private_key, env);
  const where = `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let presented: string | undefined;
    client.on("error", (error: Error & { level?: string }) => {
      if (presented !== undefined && presented !== endpoint.host_key) {
        return reject(new BackupError("host_key", `${where}: the host key is ${presented}, but ${endpoint.host_key} is pinned (a reinstalled host or someone in between); nothing was touched`));
      }
      if (error.level === "client-authentication") return reject(new BackupError("auth", `${where}: the server refused the key for user ${endpoint.user}; nothing was touched`));
      reject(new BackupError("unreachable", `${where} is unreachable: ${describeNetError(error).text}; nothing was touched`, { cause: error }));
    });
    client.on("ready", () => {
      client.sftp((error, sftp) => {
        if (error) {
          client.end();
          return reject(new BackupError("unreachable", `${where}: the SFTP subsystem did not start: ${error.message}`, { cause: error }));
        }
        resolve({ sftp, where, close: () => client.end() });
      });
    });
    try {
      client.connect({
        host: endpoint.host, port: endpoint.port, username: endpoint.user, privateKey, readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => (presented = fingerprintOf(key)) === endpoint.host_key,
      });
    } catch (error) {
      reject(new BackupError("auth", `the private key for ${where} is unusable: ${(error as Error).message}`));
    }
  });
}

const call = <T>(fn: (done: (error: Error | undefined | null, value?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value as T))));

export async function mkdirp(sftp: SFTPWrapper, dir: string): Promise<void> {
  const parts = dir.split("/").filter(Boolean);
  let path = dir.startsWith("/") ? "" : ".";
  for (const part of parts) {
    path += `/${part}`;
    try {
      await call<void>((done) => sftp.mkdir(path, { mode: 0o700 }, done));
    } catch {
      // It exists (or the next step fails with the real reason).
      await call((done) => sftp.stat(path, done));
    }
  }
}

/** Uploads a file to `remote`, fsyncs it, then closes it. Several writes are kept in flight. */
export async function uploadFile(sftp: SFTPWrapper, local: string, remote: string, mode = 0o600, onBytes?: (n: number) => void): Promise<void> {
  const handle = await call<Buffer>((done) => sftp.open(remote, "w", { mode }, done));
  try {
    let position = 0;
    const inFlight = new Set<Promise<void>>();
    for await (const chunk of createReadStream(local, { highWaterMark: 32 * 1024 }) as AsyncIterable<Buffer>) {
      const at = position;
      position += chunk.length;
      const write = call<void>((done) => sftp.write(handle, chunk, 0, chunk.length, at, done)).then(() => onBytes?.(chunk.length));
      inFlight.add(write);
      void write.finally(() => inFlight.delete(write)).catch(() => undefined);
      if (inFlight.size >= 16) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    await call((done) => sftp.ext_openssh_fsync(handle, done));
  } finally {
    await call((done) => sftp.close(handle, done)).catch(() => undefined);
  }
}

export const posixRename = (sftp: SFTPWrapper, from: string, to: string): Promise<void> => call((done) => sftp.ext_openssh_rename(from, to, done));

export const readRemote = (sftp: SFTPWrapper, path: string): Promise<string> =>
  call<Buffer>((done) => sftp.readFile(path, done)).then((buffer) => buffer.toString("utf8"));

export const listRemote = (sftp: SFTPWrapper, dir: string): Promise<string[]> =>
  call<Array<{ filename: string }>>((done) => sftp.readdir(dir, done)).then((list) => list.map((entry) => entry.filename));

export const download = (sftp: SFTPWrapper, remote: string, local: string): Promise<void> => call((done) => sftp.fastGet(remote, local, done));

export const unlinkRemote = (sftp: SFTPWrapper, path: string): Promise<void> => call((done) => sftp.unlink(path, done));

/** Removes a remote tree (files, symlinks, folders). */
export async function removeRemote(sftp: SFTPWrapper, path: string): Promise<void> {
  const stats = await call<{ isDirectory(): boolean }>((done) => sftp.lstat(path, done));
  if (!stats.isDirectory()) return unlinkRemote(sftp, path);
  for (const name of await listRemote(sftp, path)) await removeRemote(sftp, `${path}/${name}`);
  await call<void>((done) => sftp.rmdir(path, done));
}
