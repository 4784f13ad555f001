// Each failover service's active host, persisted in the store's state table so that a restart keeps
// serving from the standby. Moves are compare-and-set: a move from A succeeds only while A is active.
import type { Store } from "../store/db.js";
import { getState, setState } from "../store/state.js";

const key = (service: string) => `active-host/${service}`;

export function readActiveHost(store: Store, service: string): string | undefined {
  return getState<string>(store, key(service))?.value;
}

/**
 * Moves `service` from `from` to `to`; `primary` is what an absent key means. True when it moved or
 * was already there (a resumed run repeats it), false when another host is active.
 */
export function moveActiveHost(store: Store, service: string, move: { from: string; to: string; primary: string }, at: number): boolean {
  const current = readActiveHost(store, service);
  if ((current ?? move.primary) === move.to) return true;
  if ((current ?? move.primary) !== move.from) return false;
  return setState(store, key(service), move.to, at, { expect: current });
}
