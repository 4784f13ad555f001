// What a backup run reports while it works, so that a 200 MB database does not look like a hung
// command: each step of taking the snapshot (copying a database, checking the copy, hashing it,
// pulling it from its host, running a dump) starts, advances in bytes where that is known, and ends.
// Storing on a target reports bytes through PutOptions.onProgress. The CLI draws these (a bar on a
// terminal, a few plain lines otherwise); the agent ignores them.

export type SnapshotStep = "copy" | "check" | "hash" | "pull" | "dump";

export interface SnapshotProgress {
  step: SnapshotStep;
  /** The database, path or command the step works on, as the config names it. */
  item: string;
  /** The host it happens on, when not here. */
  host?: string | undefined;
  /** Bytes done so far, and the expected total when it is known. */
  done: number;
  total?: number | undefined;
  /** The step's first and last report. */
  phase: "start" | "update" | "end";
}

export type SnapshotProgressListener = (event: SnapshotProgress) => void;

/** Reports one step: a start, updates (at most every `everyMs`), an end; a failing listener is ignored. */
export function stepReporter(listener: SnapshotProgressListener | undefined, base: Omit<SnapshotProgress, "done" | "phase" | "total">, everyMs = 100) {
  let last = 0;
  let total: number | undefined;
  const send = (event: SnapshotProgress) => {
    try {
      listener?.(event);
    } catch {
      // A display problem never stops a backup.
    }
  };
  return {
    start(expected?: number) {
      total = expected;
      send({ ...base, done: 0, total, phase: "start" });
    },
    update(done: number, expected?: number) {
      if (expected !== undefined) total = expected;
      const now = Date.now();
      if (now - last < everyMs) return;
      last = now;
      send({ ...base, done, total, phase: "update" });
    },
    end(done: number) {
      send({ ...base, done, total: total ?? done, phase: "end" });
    },
  };
}
