// The contract every DNS provider kind implements, for failover's "switch traffic" step: read one
// record, write it, and say what it is. The failover state machine knows only this interface;
// src/dns/registry.ts lists the kinds.
//
// Every write reads the record back and returns what it saw, so a step never reports "switched" on
// the strength of an HTTP 200 alone; writing the value already there is a no-op reported as such
// (a resumed plan may run the step twice); and a TTL above the service's target RTO is a warning,
// because resolvers keep the old answer that long whatever the failover does.
import type { z } from "zod";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "TXT"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/**
 * Why an operation failed: `auth` (bad key, token or signature), `unreachable` (refused, no route,
 * reset), `timeout`, `rejected` (the server refused the change: policy, zone not found there…),
 * `not-found` (zone unknown), `rate-limited` (still limited after the bounded retries), `invalid`
 * (a value that is not of the type), `unsupported` (the kind cannot do this), `mismatch` (read back
 * differs from what was written), `secret` (a secret reference could not be read), `reload` (the
 * reload command failed), `error` (anything else).
 */
export type DnsFailureReason =
  | "auth"
  | "unreachable"
  | "timeout"
  | "rejected"
  | "not-found"
  | "rate-limited"
  | "invalid"
  | "unsupported"
  | "mismatch"
  | "secret"
  | "reload"
  | "error";

/** An expected failure, as a value. `message` is one sentence for a person and never holds a secret. */
export interface DnsFailure {
  ok: false;
  reason: DnsFailureReason;
  message: string;
}

/** A record as the provider serves it. `values` are normalised and sorted; [] when there is none. */
export interface DnsRecord {
  name: string;
  type: RecordType;
  values: string[];
  /** Seconds; undefined when the provider does not say (e.g. a record that does not exist). */
  ttl: number | undefined;
}

export type RecordState = ({ ok: true } & DnsRecord) | DnsFailure;

export type WriteResult =
  | {
      ok: true;
      /** False when the record already held these values (and TTL, where the kind sets one). */
      changed: boolean;
      /** What the read-back after the write saw. */
      record: DnsRecord;
      /** E.g. the TTL exceeds the target RTO. Worth telling a person; not a failure. */
      warnings: string[];
    }
  | DnsFailure;

export interface DnsProvider {
  read(name: string, type: RecordType): Promise<RecordState>;
  /** Replaces the record set of (name, type) with `values`, TTL `ttl` seconds, then reads it back. */
  write(name: string, type: RecordType, values: readonly string[], ttl: number): Promise<WriteResult>;
  /** A short human description: "rfc2136 example.org @10.0.0.1:53 (key xfer-key)". No secrets. */
  describe(): string;
}

export interface DnsProviderContext {
  /** Reads a secret reference ("env:NAME" / "file:/path"). Never log the result. */
  secret(ref: string): Promise<string>;
  /** The service's target RTO: a record whose TTL (in ms) exceeds it earns a warning. */
  targetRtoMs?: number;
  /** Time allowed for one read or one write (the write's read-back included). Default 10 s. */
  timeoutMs?: number;
  /** Aborted when the agent stops; operations settle promptly with a failure. */
  signal?: AbortSignal;
}

/** A provider kind: the key under `dns:` in the config, its schema and its factory. */
export interface DnsProviderKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  schema: S;
  /** Builds a provider; reads no secret and opens no connection until an operation runs. */
  create(spec: z.output<S>, ctx: DnsProviderContext): DnsProvider;
}

/** Helper for implementations: keeps the spec type tied to the schema. */
export function defineDnsProvider<S extends z.ZodType>(kind: DnsProviderKind<S>): DnsProviderKind<S> {
  return kind;
}

export function failure(reason: DnsFailureReason, message: string): DnsFailure {
  return { ok: false, reason, message };
}
