// Who may act, and the guard every step passes through. One agent (`coordination: local`) is always the
// leader; its fencing token is a counter kept in the store, incremented for each run, so a run started
// later (by the agent or by `understudy failover` beside it) makes an earlier run's steps refuse to
// commit: the older run stops where it is instead of fighting over the DNS record. The etcd
// coordinator implements the same interface with a leader key on a lease and a transaction per step.
import type { Store } from "../store/db.js";
import { getState, setState } from "../store/state.js";
import type { StepName } from "./plan.js";

export interface StepCommit {
  service: string;
  runId: number;
  step: StepName | "rollback";
  token: number;
}

export type CommitResult = { ok: true } | { ok: false; reason: "not-leader" | "fenced"; message: string };

export interface Coordinator {
  isLeader(): boolean;
  /** A new token for a run of `service`, greater than every token issued before. */
  fencingToken(service: string): number;
  /** Whether a step of the run holding `token` may go ahead now. */
  commit(step: StepCommit): CommitResult;
}

const tokenKey = (service: string) => `failover-token/${service}`;

export class LocalCoordinator implements Coordinator {
  constructor(private readonly store: Store, private readonly now: () => number) {}

  isLeader(): boolean {
    return true;
  }

  fencingToken(service: string): number {
    // Compare-and-set in a loop: two processes sharing the data dir never get the same token.
    for (;;) {
      const current = getState<number>(this.store, tokenKey(service))?.value;
      const next = (current ?? 0) + 1;
      if (setState(this.store, tokenKey(service), next, this.now(), { expect: current })) return next;
    }
  }

  commit(step: StepCommit): CommitResult {
    const current = getState<number>(this.store, tokenKey(step.service))?.value ?? 0;
    if (step.token !== current) {
      return { ok: false, reason: "fenced", message: `run #${step.runId} holds token ${step.token}, but a later run of ${step.service} holds ${current}: this run stops` };
    }
    return { ok: true };
  }
}
