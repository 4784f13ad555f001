// The ssh kind: runs a command on a host over SSH (ssh2, no ssh binary) and judges it like the command
// kind. The host key is pinned: a key whose fingerprint differs from `host_key` fails before any
// authentication, so a probe never sends its key to an impostor.
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { Client } from "ssh2";
import type { ClientChannel } from "ssh2";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { probeLookup } from "../net/probe-lookup.js";
import { defineProbe } from "./probe.js";
import { argvSchema, collect, commandExpectShape, judgeCommand } from "./command-expect.js";
import type { CommandOutcome } from "./command-expect.js";
import { hostSchema, portSchema } from "./host-port.js";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";
import { failed, raceAbort, stopwatch, timedOut } from "./result.js";

const FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

export const sshSchema = z
  .strictObject({
    host: hostSchema,
    port: portSchema.default(22),
    user: z.string().min(1).default("root").describe("Login user. Default root."),
    private_key: secretRef.describe('The private key (OpenSSH or PEM), as a secret reference: "file:/etc/understudy/id_ed25519" or "env:NAME".'),
    passphrase: secretRef.optional().describe("The key's passphrase, as a secret reference, if it has one."),
    host_key: z
      .string()
      .regex(FINGERPRINT, { message: 'expected a host key fingerprint "SHA256:…" as printed by `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`' })
      .transform((text) => text.replace(/=$/, ""))
      .describe('The pinned host key fingerprint, "SHA256:…" as printed by `ssh-keygen -lf <host key>.pub`. Required: an unpinned key could be anyone\'s.'),
    command: argvSchema.describe("The remote command as a list of arguments; each is quoted for the remote shell."),
    ...commandExpectShape,
  })
  .describe("An SSH check: { host, port, user, private_key, host_key, command, exit_code, stdout }.");

export type SshSpec = z.output<typeof sshSchema>;

/** The fingerprint OpenSSH prints for a public key blob: "SHA256:" and unpadded base64 of its SHA-256. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

/** Quotes one argument for a POSIX shell: the server runs the command through the user's shell. */
export function shellQuote(argument: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}

type SshOutcome = CommandOutcome | NetFailure;

function runSsh(spec: SshSpec, privateKey: string, passphrase: string | undefined, timeoutMs: number, signal: AbortSignal): Promise<SshOutcome> {
  return new Promise((resolve) => {
    const connection = new Client();
    let presented: string | undefined;
    let settled = false;
    const finish = (outcome: SshOutcome) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener("abort", abort);
      connection.end();
      resolve(outcome);
    };
    const abort = () => connection.destroy();
    signal.addEventListener("abort", abort, { once: true });
    connection.on("error", (error: Error & { level?: string }) => {
      if (presented !== undefined && presented !== spec.host_key) {
        return finish({ reason: "host_key", text: `the host key is ${presented}, but ${spec.host_key} is pinned (a reinstalled host or someone in between)` });
      }
      if (error.level === "client-authentication") return finish({ reason: "auth", text: `the server refused the key for user ${spec.user}` });
      finish(describeNetError(error));
    });
    connection.on("ready", () => {
      connection.exec(spec.command.map(shellQuote).join(" "), (error: Error | undefined, channel: ClientChannel) => {
        if (error) return finish({ reason: "error", text: `the command could not start: ${error.message}` });
        const stdout = collect();
        const stderr = collect();
        channel.on("error", (channelError: Error) => finish({ reason: "error", text: `the command's channel failed: ${channelError.message}` }));
        channel.on("data", stdout.add);
        channel.stderr.on("data", stderr.add);
        channel.on("close", (code: number | null | undefined, exitSignal: string | undefined) => {
          finish({ exitCode: code ?? null, signal: exitSignal ?? null, stdout: stdout.text(), stderr: stderr.text() });
        });
      });
    });
    // The TCP connection is ours so that its name is resolved off the thread pool (ssh2 would call
    // dns.lookup). ssh2 listens for its errors; ours only keeps one raised before ssh2 took it (the key
    // failed to parse) from ending the process.
    const socket = connect({ host: spec.host, port: spec.port, lookup: probeLookup });
    socket.on("error", () => undefined);
    try {
      connection.connect({
        sock: socket,
        host: spec.host,
        port: spec.port,
        username: spec.user,
        privateKey,
        passphrase,
        readyTimeout: timeoutMs,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          return presented === spec.host_key;
        },
      });
    } catch (error) {
      // ssh2 parses the key synchronously; its message names the problem, never the key.
      socket.destroy();
      finish({ reason: "key", text: `the private key is unusable: ${(error as Error).message}` });
    }
  });
}

export const ssh = defineProbe({
  kind: "ssh",
  schema: sshSchema,
  describe: (spec) => `ssh ${spec.user}@${spec.host}:${spec.port} ${spec.command.join(" ")}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `ssh ${spec.user}@${spec.host}:${spec.port} ${spec.command.join(" ")}`;
    let privateKey: string;
    let passphrase: string | undefined;
    try {
      privateKey = await ctx.secret(spec.private_key);
      passphrase = spec.passphrase === undefined ? undefined : await ctx.secret(spec.passphrase);
    } catch (error) {
      return failed("secret", `${target} was not run: ${(error as Error).message}.`, elapsed());
    }
    const outcome = await raceAbort(ctx.signal, runSsh(spec, privateKey, passphrase, ctx.timeoutMs, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if ("reason" in outcome) return failed(outcome.reason, `${target} failed: ${outcome.text}.`, latencyMs);
    return judgeCommand(target, outcome, spec, latencyMs);
  },
});
