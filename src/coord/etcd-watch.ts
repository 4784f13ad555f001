// A watch over etcd's JSON gateway (POST /v3/watch, one create_request, a stream of JSON answers) that
// survives its member: it resumes on the next endpoint from the revision after the last event it
// delivered, so no event is lost or repeated across reconnects.
//
// Decisions:
// - A silent stream cannot be told from a quiet prefix, and a member cut from its quorum keeps a watch
//   open but delivers nothing. So while a watch runs, a linearizable range (count only) is sent to the
//   same member every timeout; when that fails the watch moves on (a SIGSTOPped or partitioned member is
//   left within about two timeouts).
// - onEvents(events, revision): `revision` is the mod revision of the last event delivered, i.e. the
//   watcher has seen everything up to it.
// - Compaction (the start revision is gone): onError says so, the watch restarts after the store's
//   current revision (read with a range), and the caller re-reads the prefix if it keeps state.
// - A throwing listener is reported to onError and never stops the watch.
import type { WatchEvent } from "./etcd-api.js";
import { EtcdError } from "./etcd-api.js";
import type { WireHeader, WireKeyValue } from "./etcd-wire.js";
import { int, prefixRange, toWatchEvent } from "./etcd-wire.js";

export interface StreamHandle {
  /** Resolves when the member ends the stream, rejects on a transport failure. */
  ended: Promise<void>;
  abort(): void;
}

/** What the watch needs of the client (kept narrow so the client and watch do not import each other). */
export interface WatchTransport {
  endpoints(): string[];
  /** Index of the endpoint that answered last. */
  preferred(): number;
  timeoutMs: number;
  open(endpoint: string, path: string, body: unknown, onMessage: (message: unknown) => void): StreamHandle;
  /** A linearizable request to this endpoint only; answers the store's revision or throws. */
  probe(endpoint: string, prefix: string): Promise<number>;
}

export interface WatchOptions {
  fromRevision?: number;
  onEvents(events: WatchEvent[], revision: number): void;
  onError?(error: Error): void;
}

interface WatchMessage {
  result?: {
    header?: WireHeader;
    created?: boolean;
    canceled?: boolean;
    cancel_reason?: string;
    compact_revision?: string;
    events?: Array<{ type?: string; kv?: WireKeyValue }>;
  };
  error?: { message?: string; grpc_code?: number };
}

const MAX_BACKOFF_MS = 2_000;

export function startWatch(transport: WatchTransport, prefix: string, options: WatchOptions): () => void {
  let cancelled = false;
  let next = options.fromRevision;
  let stream: StreamHandle | undefined;
  let wake: (() => void) | undefined;
  const report = (error: Error) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing listener must not stop the watch.
    }
  };

  /** Watches through one endpoint until that fails; answers why it ended and whether it got going. */
  const session = (endpoint: string): Promise<{ error: Error; created: boolean; sameEndpoint: boolean }> =>
    new Promise((resolve) => {
      let created = false;
      let done = false;
      const end = (error: Error, sameEndpoint = false) => {
        if (done) return;
        done = true;
        clearInterval(probeTimer);
        stream?.abort();
        resolve({ error, created, sameEndpoint });
      };
      const onMessage = (raw: unknown) => {
        if (done) return;
        const message = raw as WatchMessage;
        if (message.error) return end(new EtcdError(`etcd watch on ${endpoint} failed: ${message.error.message ?? JSON.stringify(message.error)}`, "request"));
        const result = message.result ?? {};
        if (int(result.compact_revision) > 0) {
          report(new EtcdError(`etcd watch of "${prefix}": revision ${next} was compacted (oldest kept ${result.compact_revision}); events in between are lost, resuming at the current revision. Re-read the prefix.`, "request"));
          transport.probe(endpoint, prefix).then(
            (revision) => {
              next = revision + 1;
              end(new EtcdError(`etcd watch of "${prefix}" restarts after compaction`, "request"), true);
            },
            (error: Error) => end(error),
          );
          return;
        }
        if (result.canceled) return end(new EtcdError(`etcd on ${endpoint} cancelled the watch of "${prefix}": ${result.cancel_reason ?? "no reason given"}`, "request"));
        if (result.created) {
          created = true;
          if (next === undefined) next = int(result.header?.revision) + 1;
        }
        const events = (result.events ?? []).map(toWatchEvent);
        if (events.length === 0) return;
        const revision = events[events.length - 1]!.kv.modRevision;
        next = revision + 1;
        try {
          options.onEvents(events, revision);
        } catch (error) {
          report(error instanceof Error ? error : new Error(String(error)));
        }
      };
      const create = { ...prefixRange(prefix), ...(next !== undefined ? { start_revision: String(next) } : {}) };
      stream = transport.open(endpoint, "/v3/watch", { create_request: create }, onMessage);
      stream.ended.then(
        () => end(new EtcdError(`etcd member ${endpoint} ended the watch of "${prefix}"`, "unreachable")),
        (error: Error) => end(new EtcdError(`etcd watch of "${prefix}" lost ${endpoint}: ${error.message}`, "unreachable")),
      );
      const probeTimer = setInterval(() => {
        transport.probe(endpoint, prefix).catch((error: Error) => end(new EtcdError(`etcd member ${endpoint} stopped answering while watching "${prefix}": ${error.message}`, "unreachable")));
      }, Math.max(500, transport.timeoutMs));
    });

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = async () => {
    let index = transport.preferred();
    let failures = 0;
    while (!cancelled) {
      const endpoints = transport.endpoints();
      const outcome = await session(endpoints[index % endpoints.length]!);
      if (cancelled) return;
      if (outcome.sameEndpoint) continue;
      report(outcome.error);
      failures = outcome.created ? 1 : failures + 1;
      index++;
      // Through the list quickly once; then back off so a dead cluster is not hammered.
      const delay = failures < endpoints.length ? 50 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** (failures - endpoints.length));
      await pause(delay);
    }
  };
  void loop();

  return () => {
    cancelled = true;
    stream?.abort();
    wake?.();
  };
}
