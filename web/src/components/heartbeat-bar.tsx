// Heartbeat bars, as Uptime Kuma and Gatus draw them: one small bar per result (a check's) or per
// beat (a service's, sampled evenly by the agent: GET /api/heartbeats), oldest left, colored by outcome,
// each with a title giving its time, latency and, for a failure, the reason (hover, or a long press on
// a phone). The whole bar also has a spoken summary, so it is not color alone.
import type { CheckBeat, ServiceBeat } from "../api/types.js";
import { dateTime, ms } from "./format.js";

const WORD: Record<ServiceBeat["state"], string> = { up: "up", degraded: "degraded", down: "down", none: "no result" };

function Bar({ label, beats }: { label: string; beats: Array<{ key: string; state: string; title: string }> }) {
  if (beats.length === 0) return <span class="muted">no results yet</span>;
  return (
    <div class="beats" role="img" aria-label={label}>
      {beats.map((beat) => (
        <span key={beat.key} class={`beat beat-${beat.state}`} title={beat.title} data-state={beat.state} />
      ))}
    </div>
  );
}

function summary(what: string, states: string[]): string {
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return `${what}: last ${states.length}, ${[...counts].map(([state, count]) => `${count} ${state}`).join(", ")}`;
}

export function CheckBeats({ name, beats }: { name: string; beats: CheckBeat[] }) {
  const shown = beats.map((beat) => ({
    key: beat.at,
    state: beat.ok ? "up" : "down",
    title: `${dateTime(beat.at)} · ${beat.ok ? `OK · ${ms(beat.latency_ms)}` : `failed: ${beat.reason ?? "no reason given"}`}`,
  }));
  return <Bar label={summary(`Results of ${name}`, shown.map((beat) => (beat.state === "up" ? "ok" : "failed")))} beats={shown} />;
}

export function ServiceBeats({ name, beats }: { name: string; beats: ServiceBeat[] }) {
  const shown = beats.map((beat) => ({
    key: beat.at,
    state: beat.state,
    title: `${dateTime(beat.at)} · ${WORD[beat.state]}${beat.latency_ms !== null ? ` · ${ms(beat.latency_ms)}` : ""}${beat.checks > 0 ? ` · ${beat.checks - beat.failed} of ${beat.checks} checks ok` : ""}${beat.reason ? ` · ${beat.reason}` : ""}`,
  }));
  return <Bar label={summary(`Recent health of ${name}`, beats.map((beat) => WORD[beat.state]))} beats={shown} />;
}
