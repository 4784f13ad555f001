// Pushes received by any agent count for all: an agent that takes a push (/push/TOKEN, /fail, /start,
// /<exit code>) also writes it to <prefix>/pushes/<sha256 of the token> (no lease: the last signal
// outlives its receiver), and every agent watches that prefix and records the others' signals as if
// they had come to it. So a job may call whichever agent it reaches, and a push check is not down on
// the agents it did not call.
//
// Decisions:
//   - The key is the token's SHA-256, never the token: etcd's keys are listed by `etcdctl get --prefix`
//     and the token is the push URL's only credential. An agent finds the token by hashing its own.
//   - Each value names the agent that received it; an agent skips its own (it recorded them already).
//   - A watch from now: a signal shared while an agent was down is not replayed when it starts (its own
//     store kept what it had); while the watch reconnects nothing is lost (etcd-client.ts resumes after
//     the last revision seen). A failed publish is reported; the push stays recorded where it came in.
import { createHash } from "node:crypto";
import type { Session, WatchEvent } from "./etcd-api.js";
import type { PushSignal } from "../probes/push-ping.js";

export interface PushSink {
  tokens(): string[];
  signal(token: string, signal: PushSignal): boolean;
}

interface SharedSignal extends PushSignal {
  by: string;
}

export interface SharedPushes {
  /** Shares a signal this agent received (fire and forget). */
  publish(token: string, signal: PushSignal): void;
  stop(): void;
}

const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export function pushesPrefix(prefix: string): string {
  return `${prefix.replace(/\/+$/, "")}/pushes/`;
}

export function startSharedPushes(options: { session: Session; receiver: PushSink; onError(error: Error): void }): SharedPushes {
  const { session, receiver } = options;
  const prefix = pushesPrefix(session.prefix);
  const apply = (events: WatchEvent[]) => {
    const byHash = new Map(receiver.tokens().map((token) => [hashOf(token), token]));
    for (const event of events) {
      if (event.type !== "put") continue;
      const token = byHash.get(event.kv.key.slice(prefix.length));
      if (token === undefined) continue;
      try {
        const shared = JSON.parse(event.kv.value) as SharedSignal;
        if (shared.by === session.name) continue;
        receiver.signal(token, { kind: shared.kind, at: shared.at, body: shared.body });
      } catch (error) {
        options.onError(new Error(`${event.kv.key} in etcd does not hold a push signal (${(error as Error).message}); it is ignored`));
      }
    }
  };
  const cancel = session.etcd.watch(prefix, { onEvents: apply, onError: (error) => options.onError(error) });
  return {
    publish(token, signal) {
      const value: SharedSignal = { kind: signal.kind, at: signal.at, body: signal.body, by: session.name };
      session.etcd.put(prefix + hashOf(token), JSON.stringify(value)).catch((error: Error) => options.onError(new Error(`sharing a push with the other agents failed (it is recorded here): ${error.message}`)));
    },
    stop: cancel,
  };
}
