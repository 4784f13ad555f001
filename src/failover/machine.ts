// The failover state of one primary/standby service, as the agent sees it:
//
//   healthy ──suspect──► suspect ──confirmDown──► down ──startFailover──► failing-over
//      ▲                    │                      │                        │      │
//      └───clearSuspicion───┘◄────────recover──────┘        abortFailover ──┘      │ completeFailover
//                                                  (back to down, or to serving-  ▼
//                                                   from-standby if it was there) serving-from-standby
//   serving-from-standby ──startFailback──► failing-back ──completeFailback──► healthy
//                                            └──abortFailback──► serving-from-standby
//   serving-from-standby also goes suspect/down when its (standby) active host fails.
//
// healthy: the primary is active and serves. suspect: the active instance failed but is not yet
// confirmed down. down: it is (by verdict, thresholds met). failing-over / failing-back: a plan runs.
// serving-from-standby: a standby is active. `active` is the host serving; it changes only when a
// plan completes. Each transition asserts where it may start, so a wrong path is a loud bug.
export const FailoverState = {
  healthy: "healthy",
  suspect: "suspect",
  down: "down",
  failingOver: "failing-over",
  servingFromStandby: "serving-from-standby",
  failingBack: "failing-back",
} as const;
export type FailoverState = (typeof FailoverState)[keyof typeof FailoverState];

export interface Transition {
  service: string;
  from: FailoverState;
  to: FailoverState;
  name: string;
  active: string;
}

const { healthy, suspect: suspectState, down, failingOver, servingFromStandby, failingBack } = FailoverState;

export class FailoverMachine {
  private current: FailoverState;
  private activeHost: string;

  constructor(readonly service: string, readonly primary: string, active: string, private readonly onTransition: (t: Transition) => void = () => {}) {
    this.activeHost = active;
    this.current = active === primary ? healthy : servingFromStandby;
  }

  get state(): FailoverState {
    return this.current;
  }

  get active(): string {
    return this.activeHost;
  }

  /** The state it settles in when the active host serves: which depends on who that is. */
  private serving(): FailoverState {
    return this.activeHost === this.primary ? healthy : servingFromStandby;
  }

  suspect(): void { this.move("suspect", [healthy, servingFromStandby], suspectState); }
  clearSuspicion(): void { this.move("clearSuspicion", [suspectState], this.serving()); }
  confirmDown(): void { this.move("confirmDown", [suspectState, healthy, servingFromStandby], down); }
  recover(): void { this.move("recover", [down], this.serving()); }
  startFailover(): void { this.move("startFailover", [down, suspectState, healthy, servingFromStandby], failingOver); }
  completeFailover(to: string): void {
    this.expect("completeFailover", [failingOver]);
    this.activeHost = to;
    this.move("completeFailover", [failingOver], this.serving());
  }
  /** The plan stopped without moving the service; where that leaves it depends on the active host's state. */
  abortFailover(activeServes: boolean): void { this.move("abortFailover", [failingOver], activeServes ? this.serving() : down); }
  startFailback(): void { this.move("startFailback", [servingFromStandby], failingBack); }
  completeFailback(): void {
    this.expect("completeFailback", [failingBack]);
    this.activeHost = this.primary;
    this.move("completeFailback", [failingBack], healthy);
  }
  abortFailback(): void { this.move("abortFailback", [failingBack], servingFromStandby); }

  /** Whether a plan runs now (verdicts then change nothing here). */
  get busy(): boolean {
    return this.current === failingOver || this.current === failingBack;
  }

  private expect(name: string, allowed: readonly FailoverState[]): void {
    if (!allowed.includes(this.current)) throw new Error(`bug: ${name} from ${this.current} (failover of ${this.service})`);
  }

  private move(name: string, allowed: readonly FailoverState[], to: FailoverState): void {
    this.expect(name, allowed);
    const from = this.current;
    this.current = to;
    this.onTransition({ service: this.service, from, to, name, active: this.activeHost });
  }
}
