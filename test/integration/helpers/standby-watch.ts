// What the standby lifecycle test watches while the life goes on, and the verdicts it draws from it:
// - a writer, as a client: every 20 ms it sends the next sequence number to the host the name points
//   at (the sampler's latest answer) and keeps each acknowledged write with its time;
// - a sampler, every 150 ms: both hosts' /health from the root namespace, the record's answer from
//   BIND, and each running app's open files under the data path (/proc/<pid>/fd: target and inode).
// The verdicts are pure functions of these records and the journal (`understudy history --format json`).
import { readdirSync, readlinkSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { APP_PORT, type LabHost, type StandbyLab } from "./standby-lab.js";

export interface Ack {
  seq: number;
  id: number;
  /** When the acknowledgement arrived. */
  at: number;
  host: string;
}

export interface OpenDb {
  pid: number;
  /** The database file's inode, as the app holds it open. */
  ino: number | undefined;
  /** Links under the data path that show "(deleted)". */
  deleted: string[];
}

export interface Sample {
  at: number;
  serving: Record<"a" | "b", boolean>;
  /** The record's answer (a host name when it is one of the lab's, else the raw value). */
  dns: string | undefined;
  /** The raw address answered. */
  address: string | undefined;
  open: Partial<Record<"a" | "b", OpenDb>>;
}

function openDb(pid: number, dataPath: string): OpenDb | undefined {
  const view: OpenDb = { pid, ino: undefined, deleted: [] };
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined; // Gone between the pid file and here.
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (!target.startsWith(dataPath)) continue;
    if (target.endsWith(" (deleted)")) view.deleted.push(target);
    if (target.replace(/ \(deleted\)$/, "") === `${dataPath}/app.db`) {
      try {
        view.ino = statSync(`/proc/${pid}/fd/${fd}`).ino;
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return view;
}

export interface Watch {
  readonly samples: Sample[];
  readonly acks: Ack[];
  /** Writes sent (acknowledged or not). */
  attempts(): number;
  /** The latest sample. */
  latest(): Sample | undefined;
  stop(): Promise<void>;
}

export function startWatch(env: StandbyLab, options: { writeEveryMs?: number; sampleEveryMs?: number } = {}): Watch {
  const samples: Sample[] = [];
  const acks: Ack[] = [];
  const hosts: LabHost[] = [env.hosts.a, env.hosts.b];
  let stopped = false;
  let seq = 0;
  const sampler = (async () => {
    while (!stopped) {
      const at = Date.now();
      const [a, b, answer] = await Promise.all([env.hosts.a.serving(), env.hosts.b.serving(), env.answer()]);
      const open: Sample["open"] = {};
      for (const host of hosts) {
        const pid = host.appPid();
        const view = pid === undefined ? undefined : openDb(pid, env.dataPath);
        if (view) open[host.name] = view;
      }
      const value = answer?.[0];
      samples.push({ at, serving: { a, b }, dns: env.hostAt(value)?.name ?? value, address: value, open });
      await sleep(Math.max(0, at + (options.sampleEveryMs ?? 150) - Date.now()));
    }
  })();
  const writer = (async () => {
    while (!stopped) {
      const started = Date.now();
      const target = env.hostAt(samples.at(-1)?.address);
      const next = ++seq;
      if (target) {
        try {
          const response = await fetch(`http://${target.address}:${APP_PORT}/write?seq=${next}`, { method: "POST", signal: AbortSignal.timeout(500) });
          if (response.ok) acks.push({ seq: next, id: ((await response.json()) as { id: number }).id, at: Date.now(), host: target.name });
        } catch {
          // Not acknowledged: the client would retry; the loss check only counts acknowledged writes.
        }
      }
      await sleep(Math.max(0, started + (options.writeEveryMs ?? 20) - Date.now()));
    }
  })();
  return {
    samples,
    acks,
    attempts: () => seq,
    latest: () => samples.at(-1),
    async stop() {
      stopped = true;
      await Promise.all([sampler, writer]);
    },
  };
}

/** A run as `understudy history --format json` prints it. */
export interface HistoryRun {
  id: number;
  kind: string;
  from: string;
  to: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  summary: string | null;
  steps: Array<{ step: string; attempt: number; status: string; started_at: string; duration_ms: number | null; reason: string | null; output: string | null }>;
}

/** Acknowledged writes missing from the stored sequence numbers. */
export function lostWrites(acks: Ack[], stored: number[]): Ack[] {
  const present = new Set(stored);
  return acks.filter((ack) => !present.has(ack.seq));
}

/** Samples where both instances answered /health, outside the windows given (when a fence was impossible). */
export function bothServing(samples: Sample[], exempt: Array<{ from: number; to: number }>): Sample[] {
  return samples.filter((sample) => sample.serving.a && sample.serving.b && !exempt.some((window) => sample.at >= window.from && sample.at <= window.to));
}

/** Each app process whose database was replaced or deleted under it while it ran. */
export function replacedUnderApp(samples: Sample[]): string[] {
  const seen = new Map<string, number | undefined>();
  const found: string[] = [];
  for (const sample of samples) {
    for (const [host, view] of Object.entries(sample.open)) {
      const key = `${host}:${view.pid}`;
      if (view.deleted.length > 0) found.push(`${new Date(sample.at).toISOString()} app on ${host} (pid ${view.pid}) holds ${view.deleted.join(", ")}`);
      if (view.ino === undefined) continue;
      if (!seen.has(key)) seen.set(key, view.ino);
      else if (seen.get(key) !== view.ino) {
        found.push(`${new Date(sample.at).toISOString()} app on ${host} (pid ${view.pid}): database inode ${seen.get(key)} became ${view.ino}`);
        seen.set(key, view.ino);
      }
    }
  }
  return [...new Set(found)];
}

/**
 * DNS samples that point at a fenced host after the run that fenced it ended. A host is fenced from a
 * fence step that finished done until it is seen serving again or a later run starts promoting it.
 */
export function nameOnFenced(samples: Sample[], runs: HistoryRun[], slackMs = 1_500): string[] {
  const found: string[] = [];
  for (const run of runs) {
    const fence = run.steps.find((step) => step.step === "fence" && step.status === "done");
    if (!fence || run.finished_at === null) continue;
    const fencedAt = Date.parse(fence.started_at) + (fence.duration_ms ?? 0);
    const ended = Date.parse(run.finished_at);
    const host = run.from;
    const promotedLater = runs
      .filter((other) => other.to === host && Date.parse(other.started_at) > fencedAt)
      .map((other) => Date.parse(other.started_at));
    const until = Math.min(...promotedLater, Number.POSITIVE_INFINITY);
    const seenServing = samples.find((sample) => sample.at > fencedAt && sample.serving[host as "a" | "b"])?.at ?? Number.POSITIVE_INFINITY;
    const end = Math.min(until, seenServing);
    for (const sample of samples) {
      if (sample.at > ended + slackMs && sample.at < end && sample.dns === host) {
        found.push(`${new Date(sample.at).toISOString()} the name points at ${host}, fenced by run ${run.id} (${run.kind} ${run.from}→${run.to}, ${run.status})`);
      }
    }
  }
  return found;
}

/** A compact timeline of the samples for failure messages: one line per change. */
export function timeline(samples: Sample[]): string {
  const lines: string[] = [];
  let last = "";
  for (const sample of samples) {
    const line = `serving a=${sample.serving.a} b=${sample.serving.b} dns=${sample.dns ?? "?"} pids a=${sample.open.a?.pid ?? "-"} b=${sample.open.b?.pid ?? "-"}`;
    if (line !== last) lines.push(`${new Date(sample.at).toISOString()} ${line}`);
    last = line;
  }
  return lines.join("\n");
}
