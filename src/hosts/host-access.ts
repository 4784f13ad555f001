// One way to touch a host: run a command, read a file, write a file atomically, and hand rsync a
// transport. Two implementations: local-host.ts (the agent's own machine, child processes and the
// file system) and ssh-host.ts (ssh2, the host key pinned). Backup, replication, and (through the
// lifecycle code) fence, promote and drills use this contract, so "where is this done, and how" has one
// answer: hostAccessFor (host-for.ts) picks the implementation from the config.
//
// Expected failures are values, never exceptions: an unreachable host, a refused key, a host key that
// differs from the pinned one, a timeout, a command that exits non-zero. A `run` that reached the
// host returns `ok: true` with the exit code, whatever it is; `readFile` and `writeFileAtomic` fail with
// reason "command" when the host answered but the operation did not succeed.

export type HostFailureReason =
  | "unreachable" // no answer, connection refused or reset, DNS failure: within the connect timeout
  | "auth" // the host refused the key
  | "host_key" // the host presented a key other than the pinned one: nothing was sent
  | "key" // the configured private key is missing or unusable
  | "config" // the config says nothing usable about how to reach the host
  | "timeout" // the operation did not finish within its timeout (the remote command is signalled)
  | "aborted" // the caller's signal fired
  | "command"; // the host answered, but the command failed (missing program, non-zero exit)

export interface HostFailure {
  ok: false;
  reason: HostFailureReason;
  /** What happened, naming the host: what a person reads. */
  message: string;
}

export interface RunOutput {
  ok: true;
  /** The exit code; null when the command was ended by a signal. */
  code: number | null;
  stdout: Buffer;
  /** The first 64 KiB of stderr, as text. */
  stderr: string;
}

export type RunResult = RunOutput | HostFailure;

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Written to the command's stdin, which is then closed. */
  stdin?: Buffer | string | undefined;
}

/** How rsync reaches the host: a path prefix ("" locally, "user@address:" over SSH) and its `-e` command. */
export interface RsyncTransport {
  prefix: string;
  /** rsync's `-e` argument (the ssh command with the pinned key and the identity); absent locally. */
  shell?: string | undefined;
}

export interface HostAccess {
  /** The host's name in the config. */
  readonly host: string;
  readonly kind: "local" | "ssh";
  /** "local" or "user@address:port", for messages. */
  readonly where: string;
  /** Runs argv (never through a shell locally; over SSH each argument is quoted for the remote shell). */
  run(argv: readonly string[], options: RunOptions): Promise<RunResult>;
  readFile(path: string, options?: Partial<RunOptions>): Promise<{ ok: true; data: Buffer } | HostFailure>;
  /** Writes beside `path`, fsyncs, renames over it: readers see the old content or the new, never half. */
  writeFileAtomic(path: string, data: Buffer | string, options?: Partial<RunOptions> & { mode?: number }): Promise<{ ok: true } | HostFailure>;
  /** What rsync needs to reach this host; over SSH the host key pinned in a known_hosts file of our own. */
  rsyncTransport(): Promise<RsyncTransport | HostFailure>;
  /** Closes the connection and removes the transport's temporary files; the access can be used again. */
  close(): Promise<void>;
}

/** Default timeouts: connecting is short so an unreachable host fails fast; a command gets longer. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RUN_TIMEOUT_MS = 60_000;

export const hostFailure = (reason: HostFailureReason, message: string): HostFailure => ({ ok: false, reason, message });

/** A failed run as a failure value: "command" with the exit code and stderr in the message. */
export function commandFailure(access: Pick<HostAccess, "host">, argv: readonly string[], output: RunOutput): HostFailure {
  const what = argv.slice(0, 3).join(" ");
  const exit = output.code === null ? "was killed" : `exited with ${output.code}`;
  const stderr = output.stderr.trim().split("\n").slice(-3).join(" / ");
  return hostFailure("command", `on ${access.host}: ${what} ${exit}${stderr ? `: ${stderr}` : ""}`);
}

export const isHostFailure = (value: object): value is HostFailure => "ok" in value && value.ok === false;
