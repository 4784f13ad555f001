// The agent's notification dispatcher, built from the config's `notify` list and `notify_policy`, on the
// agent's clock, with secrets read from the agent's environment. A notifier that gives up is logged,
// one line each, and counted (the dispatcher's counters feed /metrics); it never delays probing.
import { readSecret } from "../config/secret.js";
import type { Clock } from "../engine/clock.js";
import type { DeliveryFailure } from "../notify/dispatcher.js";
import type { Topology } from "../model/topology.js";
import { Dispatcher, notifiersFromConfig } from "../notify/dispatcher.js";
import { policyOptions } from "../notify/policy.js";
import { notifierKinds } from "../notify/registry.js";
import type { Notification, NotifierKind } from "../notify/notifier.js";
import type { Logger } from "./log.js";

/** Who else hears each delivery's outcome (the etcd-shared incident notices record them). */
export interface DeliveryHooks {
  delivered(notifier: string, n: Notification, attempts: number): void;
  failed(failure: DeliveryFailure): void;
}

export function createDispatcher(topology: Topology, clock: Clock, env: Readonly<Record<string, string | undefined>>, log: Logger, hooks?: DeliveryHooks): Dispatcher {
  return new Dispatcher({
    notifiers: notifiersFromConfig(topology.notify as unknown as readonly Record<string, unknown>[], notifierKinds as readonly NotifierKind[]),
    ...policyOptions(topology.notifyPolicy),
    clock,
    timers: clock,
    secret: (ref) => readSecret(ref, env as NodeJS.ProcessEnv),
    onDeliveryFailed: (failure) => {
      hooks?.failed(failure);
      log.warn(
        { event: "notify.failed", notifier: failure.notifier, kind: failure.kind, key: failure.notification.key, notification: failure.notification.event, outcome: failure.outcome, attempts: failure.attempts, reason: failure.reason },
        `notifier ${failure.notifier} ${failure.outcome === "dropped" ? "dropped" : "gave up on"} "${failure.notification.title}": ${failure.reason}`,
      );
    },
    onDelivered: (notifier, n, attempts) => {
      hooks?.delivered(notifier, n, attempts);
      log.debug({ event: "notify.sent", notifier, key: n.key, notification: n.event }, `notified ${notifier}: ${n.title}`);
    },
  });
}

/** Whether two configs notify differently (then a reload replaces the dispatcher). */
export function notifyChanged(a: Topology, b: Topology): boolean {
  return JSON.stringify([a.notify, a.notifyPolicy]) !== JSON.stringify([b.notify, b.notifyPolicy]);
}
