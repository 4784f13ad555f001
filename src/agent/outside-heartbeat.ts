// The dead man's switch (`agents.heartbeat`, src/config/heartbeat.ts): the acting agent calls an outside
// URL every `every`, so that a service outside (healthchecks.io, an Uptime Kuma push monitor, ntfy) pages
// when no agent is left to page: all of them down, or cut off from the internet. Only the acting agent
// calls (the leader with etcd; the only agent otherwise): a follower calling too would keep the outside
// check green while the leader is gone but a follower is not, which is fine, yet also while the agents
// cannot elect anyone, which is not.
//
// A call every `every` on the injected clock, one at a time: a beat due while the last call still runs
// (it ends at its timeout) is skipped rather than piled up. A call is a GET or POST with a timeout; a failure (refused, an HTTP error,
// no answer in time, a secret that cannot be read) is logged and tried again at the next beat, never
// thrown. The config is read at every beat, so a reload changes the URL or the rhythm without a
// restart. The URL is never logged (its path is often the outside check's only secret): the log names
// the secret reference, or the URL's origin.
import { formatDuration } from "../config/duration.js";
import type { HeartbeatConfig } from "../config/heartbeat.js";
import type { Clock, TimerHandle } from "../engine/clock.js";
import type { Logger } from "./log.js";

/** With no heartbeat configured, how often a reload that adds one is looked for. */
const IDLE_RECHECK_MS = 60_000;

export type BeatOutcome =
  | { readonly sent: true; readonly ok: true; readonly status: number }
  | { readonly sent: true; readonly ok: false; readonly error: string }
  | { readonly sent: false; readonly why: "not acting" | "secret"; readonly error?: string };

export interface OutsideHeartbeatOptions {
  clock: Clock;
  /** The current `agents.heartbeat`; undefined when there is none. */
  config: () => HeartbeatConfig | undefined;
  /** Whether this agent acts (the leader); only then is the URL called. */
  acting: () => boolean;
  secret: (ref: string) => Promise<string>;
  log: Logger;
  /** Sent as User-Agent, so the outside service's log says who called. */
  userAgent: string;
  /** Hears every beat's outcome (tests, metrics); a throwing listener is ignored. */
  onOutcome?: (outcome: BeatOutcome) => void;
}

export interface OutsideHeartbeat {
  /** Stops the beats; a call in flight is aborted and awaited. */
  stop(): Promise<void>;
}

/** What the log may say about a URL: the reference, or the origin without the path. */
export function describeHeartbeatUrl(url: string): string {
  if (!/^https?:/.test(url)) return url;
  return URL.canParse(url) ? `${new URL(url).origin}/…` : "the configured URL";
}

function errorText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export function startOutsideHeartbeat(options: OutsideHeartbeatOptions): OutsideHeartbeat {
  const { clock, log } = options;
  let timer: TimerHandle | undefined;
  let inFlight: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let stopped = false;
  let failing = false;
  let wasActing: boolean | undefined;

  const report = (outcome: BeatOutcome) => {
    try {
      options.onOutcome?.(outcome);
    } catch {
      // A listener's bug must not stop the switch.
    }
  };

  const call = async (spec: HeartbeatConfig, target: string): Promise<BeatOutcome> => {
    let url = spec.url;
    if (!/^https?:/.test(url)) {
      try {
        url = await options.secret(url);
      } catch (error) {
        return { sent: false, why: "secret", error: `${target} cannot be read: ${errorText(error)}` };
      }
    }
    const controller = (abort = new AbortController());
    const timeout = clock.setTimeout(() => controller.abort(), spec.timeout);
    try {
      const init: RequestInit = { method: spec.method, signal: controller.signal, headers: { "user-agent": options.userAgent } };
      if (spec.body !== undefined) init.body = spec.body;
      const response = await fetch(url, init);
      await response.body?.cancel().catch(() => undefined);
      return response.ok ? { sent: true, ok: true, status: response.status } : { sent: true, ok: false, error: `answered HTTP ${response.status}` };
    } catch (error) {
      return { sent: true, ok: false, error: controller.signal.aborted ? (stopped ? "the agent is stopping" : `no answer within ${formatDuration(spec.timeout)}`) : errorText(error) };
    } finally {
      clock.clearTimeout(timeout);
      abort = undefined;
    }
  };

  const beat = async () => {
    const spec = options.config();
    if (!spec) return;
    const acting = options.acting();
    if (acting !== wasActing) {
      log.info({ event: "heartbeat.acting", acting }, acting ? "dead man's switch: this agent acts, so it calls the outside heartbeat" : "dead man's switch: another agent acts; this one does not call the outside heartbeat");
      wasActing = acting;
    }
    if (!acting) return report({ sent: false, why: "not acting" });
    const target = describeHeartbeatUrl(spec.url);
    const outcome = await call(spec, target);
    report(outcome);
    if (outcome.sent && outcome.ok) {
      if (failing) log.info({ event: "heartbeat.recovered", target }, `dead man's switch: ${target} answered again`);
      else log.debug({ event: "heartbeat.sent", target, status: outcome.status }, `dead man's switch: called ${target}`);
      failing = false;
      return;
    }
    if (stopped) return;
    failing = true;
    const why = outcome.sent ? outcome.error : (outcome.error ?? outcome.why);
    log.warn({ event: "heartbeat.failed", target, error: why }, `dead man's switch: calling ${target} failed (${why}); the outside service pages if this goes on; next try in ${formatDuration(spec.every)}`);
  };

  const schedule = () => {
    if (stopped) return;
    timer = clock.setTimeout(tick, options.config()?.every ?? IDLE_RECHECK_MS);
  };
  const tick = () => {
    timer = undefined;
    schedule();
    if (inFlight) return;
    inFlight = beat()
      .catch((error: unknown) => log.error({ event: "heartbeat.error", err: error }, "dead man's switch: a beat failed unexpectedly"))
      .finally(() => {
        inFlight = undefined;
      });
  };
  tick();

  return {
    async stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      abort?.abort();
      await inFlight;
    },
  };
}
