// Turns a kind's bare read and apply into a DnsProvider with the contract's guarantees, so that each
// kind does not re-implement them: values checked and normalised before sending; the current record
// read first (writing what is already there changes nothing and says so); the record read back after
// the change and compared; a TTL above the target RTO warned about; a deadline on every operation;
// and every failure message scrubbed of the secrets the kind read, whatever the kind wrote into it.
import { setTimeout as sleep } from "node:timers/promises";
import { SecretError } from "../config/secret.js";
import { failure } from "./provider.js";
import type { DnsFailure, DnsProvider, DnsProviderContext, DnsRecord, RecordState, RecordType, WriteResult } from "./provider.js";
import { invalidValue, normaliseName, sameValues, valueSet } from "./record-values.js";

/**
 * A record as a kind reads it. `fronted`: the answers point at a proxy in front of the service
 * (Cloudflare's proxied records), so the TTL neither applies to a write nor delays a switch.
 */
export type BackendRecord = ({ ok: true; fronted?: boolean } & DnsRecord) | DnsFailure;

/** What a kind implements. Both may return failures as values; neither needs to catch a thrown bug. */
export interface RecordBackend {
  describe(): string;
  /**
   * False for kinds whose TTL is not theirs to set (a hosts file: the DNS server's setting applies);
   * then `ttl` is not compared and the TTL read back is what the server is configured to serve.
   */
  setsTtl: boolean;
  read(name: string, type: RecordType, signal: AbortSignal): Promise<BackendRecord>;
  apply(name: string, type: RecordType, values: string[], ttl: number, signal: AbortSignal): Promise<{ ok: true } | DnsFailure>;
}

/** Secret reading as a kind sees it: each value read is remembered so it can be scrubbed from messages. */
export type SecretReader = (ref: string) => Promise<string>;

const DEFAULT_TIMEOUT_MS = 10_000;
/**
 * A change may take a moment to be served (dnsmasq re-reads its hosts file after the reload signal,
 * caches expire, an API is eventually consistent): the read-back is repeated this long before a
 * difference counts as a mismatch.
 */
const SETTLE_MS = 3_000;

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out;
}

export function ttlWarnings(ttl: number | undefined, targetRtoMs: number | undefined, name: string): string[] {
  if (ttl === undefined || targetRtoMs === undefined || ttl * 1000 <= targetRtoMs) return [];
  return [`the TTL of ${name} is ${ttl} s, longer than the target RTO of ${Math.round(targetRtoMs / 1000)} s: resolvers may keep the old answer that long; lower the TTL ahead of a failover`];
}

export function verifiedProvider(ctx: DnsProviderContext, makeBackend: (secret: SecretReader) => RecordBackend): DnsProvider {
  const secrets: string[] = [];
  const backend = makeBackend(async (ref) => {
    const value = await ctx.secret(ref);
    secrets.push(value);
    return value;
  });

  // Runs one operation under the deadline; a thrown error (a secret that cannot be read, a bug in a
  // kind) still comes back as a value, since the failover step must record it and go on.
  async function guarded<T extends { ok: boolean }>(operation: (signal: AbortSignal) => Promise<T | DnsFailure>): Promise<T | DnsFailure> {
    const timeoutMs = ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(ctx.signal ? [ctx.signal] : [])]);
    let result: T | DnsFailure;
    try {
      result = await operation(signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = error instanceof SecretError ? failure("secret", message) : failure("error", `${backend.describe()}: ${message}`);
    }
    if (!result.ok && signal.aborted && (result as DnsFailure).reason !== "timeout") {
      result = failure("timeout", `${backend.describe()}: no answer within ${timeoutMs} ms${ctx.signal?.aborted ? " (cancelled)" : ""}`);
    }
    if (result.ok) return result;
    const failed = result as DnsFailure;
    return { ok: false, reason: failed.reason, message: redact(failed.message, secrets) };
  }

  async function readNormalised(name: string, type: RecordType, signal: AbortSignal): Promise<BackendRecord> {
    const state = await backend.read(name, type, signal);
    return state.ok ? { ...state, name, values: valueSet(type, state.values) } : state;
  }

  const publicState = (state: BackendRecord): RecordState => {
    if (!state.ok) return state;
    const { fronted: _fronted, ...rest } = state;
    return rest;
  };

  return {
    describe: () => backend.describe(),
    read: (name, type) => guarded(async (signal) => publicState(await readNormalised(normaliseName(name), type, signal))),
    write: (rawName, type, rawValues, ttl) =>
      guarded<WriteResult & { ok: true }>(async (signal) => {
        const name = normaliseName(rawName);
        if (rawValues.length === 0) return failure("invalid", `no values to write for ${name} ${type}`);
        const problem = rawValues.map((value) => invalidValue(type, value)).find((text) => text !== undefined);
        if (problem !== undefined) return failure("invalid", problem);
        if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2_147_483_647) return failure("invalid", `TTL ${ttl} is not a number of seconds`);
        const values = valueSet(type, rawValues);
        const matches = (record: BackendRecord & { ok: true }) => sameValues(record.values, values) && (!backend.setsTtl || record.fronted === true || record.ttl === ttl);
        const done = (changed: boolean, state: BackendRecord & { ok: true }): WriteResult & { ok: true } => {
          const { ok: _ok, fronted, ...record } = state;
          return { ok: true, changed, record, warnings: fronted ? [] : ttlWarnings(record.ttl, ctx.targetRtoMs, name) };
        };

        const before = await readNormalised(name, type, signal);
        if (!before.ok) return before;
        if (matches(before)) return done(false, before);

        const applied = await backend.apply(name, type, values, ttl, signal);
        if (!applied.ok) return applied;
        const settleBy = Date.now() + SETTLE_MS;
        for (let pause = 50; ; pause = Math.min(pause * 2, 500)) {
          const after = await readNormalised(name, type, signal);
          if (!after.ok) return failure(after.reason, `the change was sent but reading ${name} ${type} back failed: ${after.message}`);
          if (matches(after)) return done(true, after);
          if (Date.now() + pause > settleBy || signal.aborted) {
            const seen = after.values.length === 0 ? "nothing" : after.values.join(", ");
            const ttlText = backend.setsTtl && !after.fronted ? ` with TTL ${after.ttl ?? "?"} (wanted ${ttl})` : "";
            return failure("mismatch", `${backend.describe()}: after the write ${name} ${type} reads ${seen}${ttlText}, not ${values.join(", ")}`);
          }
          await sleep(pause, undefined, { signal }).catch(() => undefined);
        }
      }),
  };
}
