// The receiving side of push checks: which tokens the current config's push checks use (secret
// references resolved once per config, so the URL's token is compared with the value, never logged),
// the signals recorded for them (success, failure with its body, start: src/probes/push-ping.ts), and
// which checks to run again when one arrives.
//
// Signals are kept in the agent's store (src/store/heartbeats.ts), so a restart forgets no beat, no
// failure and no running start, and does not restart the wait before a token's first beat: the first
// time a config of this agent had the token is stored with it. They are read into memory once per
// config, so a probe run costs no query. A signal is written through at once, except a repeat of the
// state last written within a second (the push URL needs no login, and a flood of calls must not become
// a flood of disk writes); then `onBeat` runs the token's checks, so the check's result and the verdict
// follow the push instead of waiting for the next run.
import type { Topology } from "../model/topology.js";
import type { HeartbeatSource } from "../probes/probe.js";
import type { PushSpec } from "../probes/push.js";
import { applySignal, type PushPing, type PushSignal } from "../probes/push-ping.js";
import type { Store } from "../store/db.js";
import { knowHeartbeat, saveHeartbeat, type StoredHeartbeat } from "../store/heartbeats.js";

/** A signal this soon after the last one written, leaving the same kind of state, is kept in memory only. */
const WRITE_EVERY_MS = 1_000;

export interface PushReceiverOptions {
  /** Where beats and first-known times are kept; without one, they live in memory only. */
  store?: Store;
  /** A beat was recorded for these checks (names): run them now. */
  onBeat?: (checks: readonly string[]) => void;
  /** Writing a beat to the store failed (it is still counted in memory), or `onBeat` threw. */
  onError?: (error: unknown) => void;
}

export class PushReceiver implements HeartbeatSource {
  /** Resolved token → the names of the checks using it (the current config's). */
  private checks = new Map<string, string[]>();
  private readonly pings = new Map<string, PushPing>();
  private readonly known = new Map<string, number>();
  /** When each token's state was last written, and its shape then (see `shapeOf`). */
  private readonly written = new Map<string, { at: number; shape: string }>();

  constructor(private readonly options: PushReceiverOptions = {}) {}

  /**
   * Takes the push tokens of a (new) topology, known from `at` unless known before; returns the checks
   * whose secret token could not be read.
   */
  async useTopology(topology: Topology, secret: (ref: string) => Promise<string>, at: number): Promise<Array<{ check: string; error: string }>> {
    const checks = new Map<string, string[]>();
    const problems: Array<{ check: string; error: string }> = [];
    for (const service of topology.services.values()) {
      for (const check of service.checks) {
        if (check.kind !== "push") continue;
        const ref = (check.spec as PushSpec).token;
        let token = ref;
        if (ref.includes(":")) {
          try {
            token = await secret(ref);
          } catch (error) {
            problems.push({ check: check.name, error: error instanceof Error ? error.message : String(error) });
            continue;
          }
        }
        checks.set(token, [...(checks.get(token) ?? []), check.name]);
      }
    }
    for (const token of checks.keys()) this.know(token, at);
    this.checks = checks;
    return problems;
  }

  /** Records a success; false (and nothing recorded) for a token no push check uses. */
  beat(token: string, at: number): boolean {
    return this.signal(token, { kind: "ok", at, body: "" });
  }

  /** Records a success, failure or start; false (and nothing recorded) for a token no push check uses. */
  signal(token: string, signal: PushSignal): boolean {
    const checks = this.checks.get(token);
    if (!checks) return false;
    const before = this.pings.get(token) ?? {};
    const after = applySignal(before, signal);
    this.pings.set(token, after);
    const { store, onBeat, onError } = this.options;
    const written = this.written.get(token);
    const shape = shapeOf(after);
    if (store && after !== before && (written === undefined || written.shape !== shape || signal.at - written.at >= WRITE_EVERY_MS)) {
      try {
        saveHeartbeat(store, token, this.known.get(token) ?? signal.at, after);
        this.written.set(token, { at: signal.at, shape });
      } catch (error) {
        onError?.(error);
      }
    }
    try {
      onBeat?.(checks);
    } catch (error) {
      onError?.(error);
    }
    return true;
  }

  /** The token's last signals, for the push probe. */
  lastPing(token: string): PushPing | undefined {
    return this.pings.get(token);
  }

  lastSeen(token: string): number | undefined {
    return this.pings.get(token)?.lastSeenAt;
  }

  /** The tokens the current config's push checks use (resolved secrets: never log them). */
  tokens(): string[] {
    return [...this.checks.keys()];
  }

  knownSince(token: string): number | undefined {
    return this.known.get(token);
  }

  private know(token: string, at: number): void {
    if (this.known.has(token)) return;
    const { store, onError } = this.options;
    let stored: StoredHeartbeat = { firstKnownAt: at };
    if (store) {
      try {
        stored = knowHeartbeat(store, token, at);
      } catch (error) {
        onError?.(error);
      }
    }
    this.known.set(token, stored.firstKnownAt);
    const { firstKnownAt: _, ...ping } = stored;
    this.pings.set(token, ping);
  }
}

/** What a write must not be skipped for: the outcome changed, or a run started or ended. */
function shapeOf(ping: PushPing): string {
  return `${ping.lastKind ?? "-"}/${ping.startedAt === undefined ? "idle" : "running"}`;
}
