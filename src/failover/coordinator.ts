// Who may act, and the guard every step passes through. Two implementations:
//   - LocalCoordinator (`coordination: local`): one agent, always the leader; its fencing token is a
//     counter kept in the store, incremented for each run, so a run started later (by the agent or by
//     `understudy failover` beside it) makes an earlier run's steps refuse to commit: the older run
//     stops where it is instead of fighting over the DNS record. Nothing is published anywhere.
//   - EtcdCoordinator (src/coord/etcd-coordinator.ts): a leader key on a lease; the token is the key's
//     create revision, and every commit/publish is one etcd transaction comparing it, which also writes
//     the run as journaled so far (and, for the switch, the service's active host).
// The interface is async where etcd answers over the network; `isLeader()` stays synchronous because it
// reads state the coordinator's own loop keeps fresh (the guards and schedulers ask it often).
import type { Store } from "../store/db.js";
import { getState, setState } from "../store/state.js";
import type { RunRecord } from "./journal.js";
import type { StepName } from "./plan.js";

export interface StepCommit {
  service: string;
  runId: number;
  step: StepName | "rollback";
  token: number;
}

export type CommitResult = { ok: true } | { ok: false; reason: "not-leader" | "fenced"; message: string };

/** Heard when this process starts or stops leading (or pauses acting after a clock jump). */
export interface LeadershipEvent {
  leading: boolean;
  /** The leader's name as last seen; undefined when no agent holds the key. */
  leader: string | undefined;
  token: number;
  reason: string;
}

/** What the status API shows of coordination. */
export interface CoordinationStatus {
  coordination: "local" | "etcd";
  leader: string | undefined;
  isLeader: boolean;
  token: number;
}

export interface Coordinator {
  isLeader(): boolean;
  /** Aborts when this leader's term ends (demoted, paused, stopped): a step in flight is cut short. */
  leaderSignal(): AbortSignal;
  /** A token for a run of `service`: greater than every token issued before (etcd: the leader's term). */
  fencingToken(service: string): Promise<number>;
  /**
   * The guard before a step: whether the run holding `step.token` may go ahead now. For etcd it also
   * writes `run` (the journal so far) to the coordination store in the same transaction.
   */
  commit(step: StepCommit, run: RunRecord): Promise<CommitResult>;
  /** After each journal change (a step finished, the run finished); `move` records the new active host with the switch. */
  publish(run: RunRecord, token: number, move?: { service: string; host: string }): Promise<CommitResult>;
  /** Runs the coordination store holds (etcd: <prefix>/runs/*), for a new leader to adopt; local: none. */
  runs(): Promise<RunRecord[]>;
  onLeadership(listener: (event: LeadershipEvent) => void): () => void;
  status(): CoordinationStatus;
}

const tokenKey = (service: string) => `failover-token/${service}`;

export class LocalCoordinator implements Coordinator {
  private readonly never = new AbortController().signal;

  constructor(private readonly store: Store, private readonly now: () => number) {}

  isLeader(): boolean {
    return true;
  }

  leaderSignal(): AbortSignal {
    return this.never;
  }

  fencingToken(service: string): Promise<number> {
    // Compare-and-set in a loop: two processes sharing the data dir never get the same token.
    for (;;) {
      const current = getState<number>(this.store, tokenKey(service))?.value;
      const next = (current ?? 0) + 1;
      if (setState(this.store, tokenKey(service), next, this.now(), { expect: current })) return Promise.resolve(next);
    }
  }

  commit(step: StepCommit): Promise<CommitResult> {
    const current = getState<number>(this.store, tokenKey(step.service))?.value ?? 0;
    if (step.token !== current) {
      return Promise.resolve({ ok: false, reason: "fenced", message: `run #${step.runId} holds token ${step.token}, but a later run of ${step.service} holds ${current}: this run stops` });
    }
    return Promise.resolve({ ok: true });
  }

  publish(): Promise<CommitResult> {
    return Promise.resolve({ ok: true });
  }

  runs(): Promise<RunRecord[]> {
    return Promise.resolve([]);
  }

  onLeadership(): () => void {
    return () => {};
  }

  status(): CoordinationStatus {
    return { coordination: "local", leader: undefined, isLeader: true, token: 0 };
  }
}
