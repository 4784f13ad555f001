// The tls kind: a TLS handshake to host:port, then the peer certificate is judged: days until expiry
// against `min_days`, the name against `servername`, the chain against the system CAs or `ca_file`.
// It catches the certificate that expires next week while the http check is still green.
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { checkServerIdentity, connect } from "node:tls";
import type { PeerCertificate } from "node:tls";
import { z } from "zod";
import { probeLookup } from "../net/probe-lookup.js";
import { defineProbe } from "./probe.js";
import { formatHostPort, hostPortString, hostSchema, portSchema } from "./host-port.js";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const DAY_MS = 86_400_000;

const tlsObjectSchema = z.strictObject({
  host: hostSchema,
  port: portSchema.default(443),
  servername: z.string().optional().describe("The name the certificate must be valid for (and the SNI sent). Default: host, when it is a name."),
  min_days: z.number().int().min(0).default(14).describe("Fail when the certificate expires in fewer days than this. Default 14."),
  ca_file: z.string().optional().describe("A PEM file of CA certificates to verify against instead of the system's (for a private CA)."),
});

export const tlsSchema = z
  .union([hostPortString(443).transform((target) => tlsObjectSchema.parse(target)), tlsObjectSchema])
  .describe('A TLS certificate check: "host:port" (port 443 by default), or { host, port, servername, min_days, ca_file }.');

export type TlsSpec = z.output<typeof tlsSchema>;

interface Handshake {
  certificate: PeerCertificate;
  /** Why the chain is not trusted (Node's code, e.g. DEPTH_ZERO_SELF_SIGNED_CERT), if it is not. */
  chainError: string | undefined;
}

function handshake(spec: TlsSpec, servername: string | undefined, ca: Buffer | undefined, signal: AbortSignal): Promise<Handshake | NetFailure> {
  return new Promise((resolve) => {
    // Verification is done below, after the handshake, so that an expired or foreign certificate
    // is reported for what it is rather than as a bare handshake error.
    // The name is checked separately too, so that authorizationError speaks only of the chain.
    const socket = connect({ host: spec.host, port: spec.port, servername, ca, rejectUnauthorized: false, checkServerIdentity: () => undefined, lookup: probeLookup });
    const abort = () => socket.destroy();
    if (signal.aborted) abort();
    signal.addEventListener("abort", abort, { once: true });
    const finish = (value: Handshake | NetFailure) => {
      signal.removeEventListener("abort", abort);
      socket.destroy();
      resolve(value);
    };
    socket.once("secureConnect", () => {
      const error = socket.authorizationError as unknown;
      const chainError = error === null || error === undefined ? undefined : error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
      finish({ certificate: socket.getPeerCertificate(), chainError });
    });
    socket.on("error", (error) => finish(describeNetError(error)));
  });
}

export const tls = defineProbe({
  kind: "tls",
  schema: tlsSchema,
  describe: (spec) => `tls ${formatHostPort(spec)}${spec.servername ? ` (${spec.servername})` : ""}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `tls ${formatHostPort(spec)}`;
    const servername = spec.servername ?? (isIP(spec.host) === 0 ? spec.host : undefined);
    let ca: Buffer | undefined;
    if (spec.ca_file !== undefined) {
      try {
        ca = await readFile(spec.ca_file);
      } catch (error) {
        return failed("ca_file", `${target} was not checked: cannot read ca_file ${spec.ca_file} (${(error as NodeJS.ErrnoException).code ?? "error"}).`, elapsed());
      }
    }
    const outcome = await raceAbort(ctx.signal, handshake(spec, servername, ca, ctx.signal), () => undefined);
    const latencyMs = elapsed();
    if (outcome === undefined || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (!("certificate" in outcome)) return failed(outcome.reason, `${target} failed: ${outcome.text}.`, latencyMs);
    const { certificate, chainError } = outcome;
    if (certificate.valid_to === undefined) return failed("tls", `${target} presented no certificate.`, latencyMs);
    const expires = Date.parse(certificate.valid_to);
    const daysLeft = Math.floor((expires - ctx.now()) / DAY_MS);
    const details = {
      days_left: daysLeft,
      valid_to: new Date(expires).toISOString(),
      subject: certificate.subject?.CN,
      issuer: certificate.issuer?.CN,
      fingerprint256: certificate.fingerprint256,
      ...(chainError === undefined ? {} : { chain_error: chainError }),
    };
    const subject = `the certificate for ${certificate.subject?.CN ?? "an unnamed subject"}`;
    if (expires <= ctx.now()) {
      return failed("expired", `${target}: ${subject} expired on ${details.valid_to} (${-daysLeft} days ago).`, latencyMs, details);
    }
    if (chainError !== undefined) {
      const against = spec.ca_file === undefined ? "the system CAs" : spec.ca_file;
      return failed("untrusted", `${target}: ${subject} is not trusted by ${against} (${chainError}).`, latencyMs, details);
    }
    // An IP address is checked against the certificate's IP entries, as a browser would.
    const identity = spec.servername ?? spec.host;
    const mismatch = checkServerIdentity(identity, certificate);
    if (mismatch !== undefined) return failed("hostname", `${target}: ${subject} is not valid for ${identity} (${mismatch.message}).`, latencyMs, details);
    if (daysLeft < spec.min_days) {
      return failed("expiring", `${target}: ${subject} expires in ${daysLeft} days, fewer than the required ${spec.min_days}.`, latencyMs, details);
    }
    return passed(`${target}: ${subject} is trusted and expires in ${daysLeft} days.`, latencyMs, details);
  },
});
