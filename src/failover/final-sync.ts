// The sync step's one question to the data path: take a final snapshot of a service's data on the
// host it is moving from (fenced by then: no more writes) and ship it to the host it moves to. A planned
// move (switchover, failback) promotes only after this, so nothing acknowledged is lost. The backup
// work implements it (a snapshot read where the data lives, written on the target only while its
// instance is stopped); tests pass fakes.
import type { StepOutcome } from "./execute.js";

export interface FinalSync {
  ship(service: string, from: string, to: string, signal: AbortSignal): Promise<StepOutcome>;
}

/** Until the data path is wired: a planned move cannot ship, so it refuses rather than lose writes. */
export const noFinalSync: FinalSync = {
  ship: (service, from, to) => Promise.resolve({
    status: "failed", reason: "unsupported",
    output: `this agent cannot ship ${service}'s data from ${from} to ${to}: a planned move would lose what ${from} wrote since the last replica; --force moves it anyway`,
  }),
};
