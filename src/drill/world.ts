// What a drill does to the world and asks of it: the contract between the runner (run.ts, which knows
// only this) and the real effects (real-world.ts: actions, probes, DNS, the failover library, the
// agent's status). Unit tests pass a fake world on a fake clock.

/** An action's result, as a value. */
export interface Done {
  ok: boolean;
  output: string;
}

/** A failover run of the drilled service, as the journal shows it. */
export interface FailoverSeen {
  id: number;
  status: "running" | "done" | "failed" | "rolled-back" | "fenced";
  /** When the failure was confirmed (the down verdict); undefined when a person asked. */
  detectedAt: number | undefined;
  startedAt: number;
  /** When the switch step finished successfully, if it has. */
  switchedAt: number | undefined;
  summary: string | undefined;
}

export interface DrillWorld {
  /** agent: the running agent detects and fails over (automatic mode); self: the drill does. */
  readonly mode: "agent" | "self";
  /** How often DNS, the journal and the standby are looked at. */
  readonly pollMs: number;
  /** How often the primary's checks run, and how many failures in a row make it down (self mode). */
  readonly checkIntervalMs: number;
  readonly failureThreshold: number;
  readonly rpoMs: number | undefined;
  /** Every reason the drill must not run now; empty: go. */
  preconditions(): Promise<string[]>;
  /** Writes the marker on the primary; undefined when no probe is configured. */
  writeMarker(marker: string): Promise<(Done & { written: string }) | undefined>;
  inject(): Promise<Done>;
  /** One round of the primary's own checks: true when all pass. */
  primaryUp(): Promise<boolean>;
  /** Self mode: plan and start the failover (not waiting for it to end). */
  startFailover(detectedAt: number): Promise<Done>;
  /** The newest failover run of the service started at or after `since`. */
  failoverRun(since: number): FailoverSeen | undefined;
  /** true: the DNS record answers the standby; undefined: no DNS switch configured. */
  dnsAtStandby(): Promise<boolean | undefined>;
  /** The standby's checks pass. */
  standbyServes(): Promise<boolean>;
  readMarker(marker: string, written: string): Promise<"present" | "missing" | "unknown">;
  /** How old the standby's replica is now (ms of writes it would lose); undefined: not known. */
  replicaAgeMs(): Promise<number | undefined>;
  /** Services outside the drilled one's blast radius that got worse since the drill started. */
  othersDegraded(): Promise<string[]>;
  undoInjection(): Promise<Done>;
  /** Moves the service back to its primary (nothing to do when it runs there). */
  failback(): Promise<Done>;
  /** The primary passes its checks and DNS (if any) answers it again. */
  primaryRestored(): Promise<boolean>;
}
