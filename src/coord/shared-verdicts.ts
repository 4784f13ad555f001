// Shared verdicts for an agent coordinated through etcd: publishes this agent's own verdicts
// (observations.ts) and combines every live agent's into quorum verdicts (src/engine/quorum-verdicts.ts).
// `startSharedVerdicts` is the one factory the agent passes to its watcher (WatchOptions.shared), once
// per config generation; the session outlives generations.
//
// Which consumer follows which source (see src/engine/watch.ts):
//   decisions  QuorumVerdicts: the failover controller, `instance.changed` events (dashboard, metrics,
//              status). Frozen while this agent has no lease: failover never acts on a view it cannot
//              refresh, and an agent cut off from etcd is not the leader anyway.
//   alerting   FallbackVerdicts: service health and incidents (so notifications). The quorum's verdicts
//              while they are current, so one vantage point's broken link never alerts; this agent's
//              own LocalVerdicts while the quorum is frozen, so a failure is still heard when etcd is
//              away, and while fewer agents report than the quorum (two of three agents dead must
//              not silence every alert). Switching between them emits a change for every instance
//              the two disagree on.
import type { Clock } from "../engine/clock.js";
import { Emitter } from "../engine/emitter.js";
import { QuorumVerdicts, type QuorumStatus } from "../engine/quorum-verdicts.js";
import type { DownEvidence, HealthState, InstanceChange, LocalVerdicts, VerdictSource } from "../engine/verdict.js";
import type { SharedVerdicts } from "../engine/watch.js";
import { hostsOf, type Topology } from "../model/topology.js";
import type { Session } from "./etcd-api.js";
import { startObservationPublisher } from "./observations.js";

/** Follows `primary` while its status is current, `fallback` otherwise. */
export class FallbackVerdicts implements VerdictSource {
  private readonly changes: Emitter<{ change: InstanceChange }>;
  /** Every instance either source has spoken of: the ones a switch may change. */
  private readonly known = new Set<string>();
  private usingFallback: boolean;
  private readonly offs: Array<() => void>;

  constructor(private readonly primary: QuorumVerdicts, private readonly fallback: VerdictSource, private readonly clock: Clock, onListenerError?: (error: unknown) => void) {
    this.changes = new Emitter((failure) => onListenerError?.(failure.error));
    this.usingFallback = FallbackVerdicts.needsFallback(primary.status());
    this.offs = [
      primary.onChange((change) => this.forward(change, false)),
      fallback.onChange((change) => this.forward(change, true)),
      primary.onStatus((status) => this.switchTo(FallbackVerdicts.needsFallback(status), status)),
    ];
  }

  /** The quorum's verdicts cannot be relied on to alert: frozen, or too few agents to confirm anything. */
  static needsFallback(status: QuorumStatus): boolean {
    return !status.current || status.vantages < status.quorum;
  }

  /** True while following this agent's own checks (the quorum is frozen). */
  local(): boolean {
    return this.usingFallback;
  }

  instanceState(service: string, host: string): HealthState {
    return (this.usingFallback ? this.fallback : this.primary).instanceState(service, host);
  }

  downEvidence(service: string, host: string): readonly DownEvidence[] | undefined {
    const source: VerdictSource = this.usingFallback ? this.fallback : this.primary;
    return source.downEvidence?.(service, host);
  }

  onChange(listener: (change: InstanceChange) => void): () => void {
    return this.changes.on("change", listener);
  }

  stop(): void {
    for (const off of this.offs) off();
  }

  private forward(change: InstanceChange, fromFallback: boolean): void {
    this.known.add(`${change.service}@${change.host}`);
    if (fromFallback === this.usingFallback) this.changes.emit("change", change);
  }

  private switchTo(useFallback: boolean, status: QuorumStatus): void {
    if (useFallback === this.usingFallback) return;
    const before = [...this.known].map((instance) => {
      const at = instance.lastIndexOf("@");
      const service = instance.slice(0, at), host = instance.slice(at + 1);
      return { service, host, from: this.instanceState(service, host) };
    });
    this.usingFallback = useFallback;
    const reason = useFallback ? `quorum verdicts ${status.current ? "cannot confirm" : "frozen"} (${status.reason}): following this agent's own checks` : `quorum verdicts current again (${status.reason})`;
    const at = this.clock.now();
    for (const { service, host, from } of before) {
      const to = this.instanceState(service, host);
      if (to !== from) this.changes.emit("change", { service, host, from, to, at, reason });
    }
  }
}

export interface SharedVerdictsOptions {
  session: Session;
  /** agents.quorum. */
  quorum: number;
  /** This generation's verdicts from this agent's own checks. */
  local: LocalVerdicts;
  topology: Topology;
  clock: Clock;
  /** Publishing: how long a burst of changes is gathered into one write (default 100 ms). */
  coalesceMs?: number;
  /** How long after a failed read of the observations to try again (default 1 s). */
  retryMs?: number;
  /** Hears the quorum freezing (and why) and thawing: log it. */
  onStatus?(status: QuorumStatus): void;
  /** Hears etcd failures of publishing or reading (once per streak); both retry by themselves. */
  onError?(error: unknown, what: "publish" | "read"): void;
  onListenerError?(error: unknown): void;
}

export interface StartedSharedVerdicts extends SharedVerdicts {
  readonly decisions: QuorumVerdicts;
  readonly alerting: FallbackVerdicts;
  /** Resolves once the observations were first read (or the publisher stopped trying). */
  readonly ready: Promise<void>;
  /** For the status API (src/agent/status.ts StatusInput.coordination). */
  coordination(): { quorum: number; vantages: number; current: boolean; reason: string; since: number; alertingLocal: boolean };
}

/** The instance keys ("service@host", "service@*" for a logical service) of a topology. */
export function instanceKeys(topology: Topology): Set<string> {
  const keys = new Set<string>();
  for (const service of topology.services.values()) {
    for (const host of service.placement.kind === "logical" ? ["*"] : hostsOf(service.placement)) keys.add(`${service.name}@${host}`);
  }
  return keys;
}

export function startSharedVerdicts(options: SharedVerdictsOptions): StartedSharedVerdicts {
  const { session, clock } = options;
  const retryMs = options.retryMs ?? 1_000;
  const publisher = startObservationPublisher({
    session, clock, local: options.local, instances: instanceKeys(options.topology),
    ...(options.coalesceMs !== undefined ? { coalesceMs: options.coalesceMs } : {}),
    onError: (error) => options.onError?.(error, "publish"),
  });
  const decisions: QuorumVerdicts = new QuorumVerdicts({
    etcd: session.etcd, prefix: session.prefix, quorum: options.quorum, clock,
    ...(options.onListenerError ? { onListenerError: options.onListenerError } : {}),
    // The client's watch says "compacted" when it had to skip events (etcd-watch.ts): read them all again.
    onWatchError: (error) => {
      if (/compacted/.test(error.message)) void read();
    },
  });
  const alerting = new FallbackVerdicts(decisions, options.local, clock, options.onListenerError);
  let stopped = false;
  let retry: unknown;
  let failing = false;

  // Read (again) whenever there is a lease; while there is none the verdicts stay frozen.
  const read = async (): Promise<void> => {
    if (stopped || session.lease() === undefined) return;
    try {
      await decisions.resync();
      failing = false;
    } catch (error) {
      decisions.freeze(`cannot read the observations: ${error instanceof Error ? error.message : String(error)}`);
      if (!failing) options.onError?.(error, "read");
      failing = true;
      if (!stopped) retry = clock.setTimeout(() => void read(), retryMs);
    }
  };
  const offs = [
    decisions.onStatus((status) => options.onStatus?.(status)),
    session.onLease((event) => {
      clock.clearTimeout(retry);
      if (event.kind === "lost") decisions.freeze(`this agent's etcd lease was lost: ${event.reason}`);
      else void read();
    }),
  ];
  if (session.lease() === undefined) decisions.freeze("this agent holds no etcd lease yet");
  const ready = read();

  return {
    decisions,
    alerting,
    ready,
    coordination() {
      const status = decisions.status();
      return { quorum: status.quorum, vantages: status.vantages, current: status.current, reason: status.reason, since: status.since, alertingLocal: alerting.local() };
    },
    async stop() {
      stopped = true;
      clock.clearTimeout(retry);
      for (const off of offs) off();
      alerting.stop();
      decisions.stop();
      await publisher.stop();
    },
  };
}
