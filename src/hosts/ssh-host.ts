// A host reached over SSH as a HostAccess (ssh2, no ssh binary for commands). The host key is pinned:
// a key whose fingerprint differs from the config's `host_key` fails the handshake before our key is
// offered, as the ssh probe does. One connection is opened on first use and reused by every command
// until close(); it is dropped when it breaks and reopened on the next use. Connecting has its own
// short timeout (default 5 s) so an unreachable host is a fast "unreachable", not a long wait.
//
// rsync runs the system ssh; rsyncTransport() gives it exactly what we pinned: a private known_hosts
// file holding the key that matched the fingerprint (HostKeyAlgorithms limited to its type) and the
// private key copied into a 0600 file, both in a scratch folder removed by close().
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "ssh2";
import type { ClientChannel } from "ssh2";
import { readSecret } from "../config/secret.js";
import { fingerprintOf, shellQuote } from "../probes/ssh.js";
import { describeNetError } from "../probes/net-error.js";
import { DEFAULT_CONNECT_TIMEOUT_MS, commandFailure, hostFailure } from "./host-access.js";
import type { HostAccess, HostFailure, RsyncTransport, RunOptions, RunResult } from "./host-access.js";
import { knownHostsLine, sshCommandFor } from "./ssh-command.js";

export interface SshHostOptions {
  /** The host's name in the config. */
  host: string;
  address: string;
  port: number;
  user: string;
  /** A secret reference to the private key ("file:…" or "env:…"). */
  privateKey: string;
  /** The pinned fingerprint, "SHA256:…" without padding. */
  hostKey: string;
  env: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
  /** Where the rsync transport's known_hosts and key files go (default the system temp folder). */
  scratchDir?: string;
}

const STDERR_LIMIT = 64 * 1024;
const DEFAULT_RW_TIMEOUT_MS = 60_000;

/** Writes stdin to a temporary name beside $1, fsyncs it, gives it mode $2, renames it over $1. */
const WRITE_ATOMIC = 'set -e; t="$1.understudy-tmp.$$"; trap \'rm -f "$t"\' EXIT; umask 077; cat > "$t"; chmod "$2" "$t"; sync "$t" 2>/dev/null || true; mv -f "$t" "$1"; trap - EXIT';

export function sshHost(options: SshHostOptions): HostAccess {
  const where = `${options.user}@${options.address}:${options.port}`;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let connecting: Promise<{ ok: true; client: Client; keyBlob: Buffer } | HostFailure> | undefined;
  let scratch: string | undefined;
  let privateKey: string | undefined;

  const connect = () => (connecting ??= open().then((result) => {
    if (!result.ok) connecting = undefined;
    return result;
  }));

  async function open(): Promise<{ ok: true; client: Client; keyBlob: Buffer } | HostFailure> {
    try {
      privateKey ??= await readSecret(options.privateKey, options.env);
    } catch (error) {
      return hostFailure("key", `${options.host} (${where}): ${(error as Error).message}`);
    }
    return new Promise((resolve) => {
      const client = new Client();
      let presented: { fingerprint: string; blob: Buffer } | undefined;
      let ready = false;
      client.on("error", (error: Error & { level?: string }) => {
        if (ready) return; // a broken connection: the close handler drops it
        // Whatever failed, the socket goes now (ssh2 leaves it open after a handshake timeout).
        client.destroy();
        if (presented !== undefined && presented.fingerprint !== options.hostKey) {
          return resolve(hostFailure("host_key", `${options.host} (${where}) presented the host key ${presented.fingerprint}, but ${options.hostKey} is pinned (a reinstalled host or someone in between); nothing was sent`));
        }
        if (error.level === "client-authentication") return resolve(hostFailure("auth", `${options.host} (${where}) refused the key for user ${options.user}`));
        if (error.level === "client-timeout") return resolve(hostFailure("unreachable", `${options.host} (${where}) did not answer within ${connectTimeoutMs} ms (the connect timeout)`));
        resolve(hostFailure("unreachable", `${options.host} (${where}) is unreachable: ${describeNetError(error).text}`));
      });
      client.on("close", () => {
        if (ready) connecting = undefined;
      });
      client.on("ready", () => {
        ready = true;
        resolve({ ok: true, client, keyBlob: presented!.blob });
      });
      try {
        client.connect({
          host: options.address, port: options.port, username: options.user, privateKey, readyTimeout: connectTimeoutMs,
          keepaliveInterval: 5_000, keepaliveCountMax: 2,
          hostVerifier: (key: Buffer) => {
            presented = { fingerprint: fingerprintOf(key), blob: Buffer.from(key) };
            return presented.fingerprint === options.hostKey;
          },
        });
      } catch (error) {
        resolve(hostFailure("key", `the private key for ${options.host} (${where}) is unusable: ${(error as Error).message}`));
      }
    });
  }

  async function run(argv: readonly string[], runOptions: RunOptions): Promise<RunResult> {
    if (runOptions.signal?.aborted) return hostFailure("aborted", `on ${options.host}: aborted before running ${argv[0] ?? ""}`);
    const connected = await connect();
    if (!connected.ok) return connected;
    return new Promise((resolve) => {
      let channel: ClientChannel | undefined;
      let settled = false;
      const finish = (result: RunResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        runOptions.signal?.removeEventListener("abort", abort);
        resolve(result);
      };
      const stop = (result: RunResult) => {
        // The remote command is told to stop; OpenSSH forwards the signal to it.
        channel?.signal("KILL");
        channel?.close();
        finish(result);
      };
      const abort = () => stop(hostFailure("aborted", `on ${options.host}: ${argv[0] ?? ""} was stopped: aborted`));
      const timer = setTimeout(() => stop(hostFailure("timeout", `on ${options.host}: ${argv.slice(0, 2).join(" ")} did not finish within ${runOptions.timeoutMs} ms`)), runOptions.timeoutMs);
      runOptions.signal?.addEventListener("abort", abort, { once: true });
      connected.client.exec(argv.map(shellQuote).join(" "), (error, opened) => {
        if (error) return finish(hostFailure("unreachable", `on ${options.host}: the command could not start: ${error.message}`));
        channel = opened;
        const stdout: Buffer[] = [];
        let stderr = "";
        opened.on("data", (chunk: Buffer) => stdout.push(chunk));
        opened.stderr.on("data", (chunk: Buffer) => {
          if (stderr.length < STDERR_LIMIT) stderr += chunk.toString();
        });
        opened.on("close", (code: number | null | undefined) => finish({ ok: true, code: code ?? null, stdout: Buffer.concat(stdout), stderr }));
        opened.end(runOptions.stdin ?? "");
      });
    });
  }

  const access: HostAccess = {
    host: options.host,
    kind: "ssh",
    where,
    run,
    async readFile(path, readOptions) {
      const argv = ["cat", "--", path];
      const result = await run(argv, { timeoutMs: readOptions?.timeoutMs ?? DEFAULT_RW_TIMEOUT_MS, signal: readOptions?.signal });
      if (!result.ok) return result;
      return result.code === 0 ? { ok: true, data: result.stdout } : commandFailure(access, argv, result);
    },
    async writeFileAtomic(path, data, writeOptions) {
      const mode = (writeOptions?.mode ?? 0o600).toString(8);
      const argv = ["sh", "-c", WRITE_ATOMIC, "sh", path, mode];
      const result = await run(argv, { timeoutMs: writeOptions?.timeoutMs ?? DEFAULT_RW_TIMEOUT_MS, signal: writeOptions?.signal, stdin: data });
      if (!result.ok) return result;
      return result.code === 0 ? { ok: true } : commandFailure(access, [`write ${path}`], result);
    },
    async rsyncTransport(): Promise<RsyncTransport | HostFailure> {
      const connected = await connect();
      if (!connected.ok) return connected;
      if (scratch === undefined) {
        const dir = await mkdtemp(join(options.scratchDir ?? tmpdir(), "understudy-ssh-"));
        await writeFile(join(dir, "known_hosts"), `${knownHostsLine(options.address, options.port, connected.keyBlob)}\n`, { mode: 0o600 });
        await writeFile(join(dir, "id"), `${privateKey ?? ""}\n`, { mode: 0o600 });
        scratch = dir;
      }
      return {
        prefix: `${options.user}@${options.address.includes(":") ? `[${options.address}]` : options.address}:`,
        shell: sshCommandFor({ keyFile: join(scratch, "id"), knownHosts: join(scratch, "known_hosts"), keyBlob: connected.keyBlob, port: options.port, connectTimeoutMs }),
      };
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      const connected = await pending;
      if (connected?.ok) connected.client.end();
      if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
      scratch = undefined;
    },
  };
  return access;
}
