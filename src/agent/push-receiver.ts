// The receiving side of push checks: which tokens the current config's push checks use (secret
// references resolved once per config, so the URL's token is compared with the value, never logged),
// the heartbeats recorded for them, and which checks to run again when one arrives.
//
// Heartbeats are kept in the agent's store (src/store/heartbeats.ts), so a restart forgets no beat and
// does not restart the wait before a token's first beat: the first time a config of this agent had the
// token is stored with it. They are read into memory once per config, so a probe run costs no query.
// A beat is written through at once (at most one write a second per token: the push URL needs no
// login, and a flood of calls must not become a flood of disk writes), then `onBeat` runs the token's
// checks, so the check's result and the verdict follow the push instead of waiting for the next run.
import type { Topology } from "../model/topology.js";
import type { HeartbeatSource } from "../probes/probe.js";
import type { PushSpec } from "../probes/push.js";
import type { Store } from "../store/db.js";
import { knowHeartbeat, recordHeartbeat } from "../store/heartbeats.js";

/** A beat this soon after the last one written is counted in memory only. */
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
  private readonly lastBeat = new Map<string, number>();
  private readonly known = new Map<string, number>();
  private readonly written = new Map<string, number>();

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

  /** Records a beat; false (and nothing recorded) for a token no push check uses. */
  beat(token: string, at: number): boolean {
    const checks = this.checks.get(token);
    if (!checks) return false;
    // A late-delivered beat must not move the last-seen time backwards.
    this.lastBeat.set(token, Math.max(at, this.lastBeat.get(token) ?? at));
    const { store, onBeat, onError } = this.options;
    const written = this.written.get(token);
    if (store && (written === undefined || at - written >= WRITE_EVERY_MS)) {
      try {
        recordHeartbeat(store, token, at);
        this.written.set(token, at);
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

  lastSeen(token: string): number | undefined {
    return this.lastBeat.get(token);
  }

  knownSince(token: string): number | undefined {
    return this.known.get(token);
  }

  private know(token: string, at: number): void {
    if (this.known.has(token)) return;
    const { store, onError } = this.options;
    let stored: { firstKnownAt: number; lastSeenAt: number | undefined } = { firstKnownAt: at, lastSeenAt: undefined };
    if (store) {
      try {
        stored = knowHeartbeat(store, token, at);
      } catch (error) {
        onError?.(error);
      }
    }
    this.known.set(token, stored.firstKnownAt);
    if (stored.lastSeenAt !== undefined) this.lastBeat.set(token, Math.max(stored.lastSeenAt, this.lastBeat.get(token) ?? stored.lastSeenAt));
  }
}
