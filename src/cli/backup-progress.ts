// How `understudy backup run` shows its progress on stderr, from the first second: each step of the
// snapshot (copying a database, hashing and checking the copy, pulling it from its host) and then the
// storing on each target. On a terminal: one line per step, redrawn while it runs (a bar when the size
// is known, the seconds always, so a long step never looks hung) and left as a summary when it ends.
// Piped or redirected: one plain line as each step starts, with the time since the run began, so a log
// says what was running when something stalled. stdout keeps only the results (✓/✗ lines).
import { basename } from "node:path";
import type { SnapshotProgress, SnapshotStep } from "../backup/progress.js";
import { terminalWidth } from "./io.js";
import type { Io } from "./io.js";

const VERBS: Record<SnapshotStep, [running: string, done: string]> = {
  copy: ["copying", "copied"],
  check: ["running integrity_check on", "ran integrity_check on"],
  hash: ["computing the sha256 of", "computed the sha256 of"],
  pull: ["pulling", "pulled"],
  dump: ["running", "ran"],
};

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function bar(done: number, total: number | undefined): string {
  if (total === undefined || total <= 0) return "";
  const share = Math.min(1, done / total);
  return ` ${"█".repeat(Math.round(share * 12)).padEnd(12, "░")} ${String(Math.round(share * 100)).padStart(3)}% ${(done / 1e6).toFixed(1)}/${mb(total)}`;
}

export interface BackupProgressDisplay {
  snapshot(event: SnapshotProgress): void;
  /** The PutOptions.onProgress for storing on `target`. */
  store(target: string): (done: number, total: number) => void;
}

export function backupProgress(io: Io, service: string, now: () => number = Date.now): BackupProgressDisplay {
  const began = now();
  const tty = Boolean(io.stderr.isTTY);
  const width = terminalWidth(io);
  let stepBegan = began;
  // The bar and the seconds always show: a line too wide for the terminal is cut in its text instead
  // (one column stays free, so the cursor never wraps and \r redraws the same line).
  const draw = (text: string, tail: string, final: boolean) => {
    const room = Math.max(1, width - 1 - tail.length);
    const line = text.length > room ? `${text.slice(0, room - 1)}…` : text;
    io.stderr.write(`\r\x1b[K${line}${tail}${final ? "\n" : ""}`);
  };
  const plain = (text: string) => io.stderr.write(`${text}\n`);
  const at = () => `[${seconds(now() - began).padStart(6)}]`;

  return {
    snapshot(event) {
      const name = event.step === "dump" ? event.item : basename(event.item) || event.item;
      const where = event.host === undefined ? "" : event.step === "pull" ? ` from ${event.host}` : ` on ${event.host}`;
      const [running, done] = VERBS[event.step];
      if (event.phase === "start") stepBegan = now();
      if (!tty) {
        if (event.phase === "start") plain(`${at()} ${service}: snapshot: ${running} ${name}${where}${event.total === undefined ? "" : ` (${mb(event.total)})`}…`);
        return;
      }
      const took = seconds(now() - stepBegan);
      if (event.phase === "end") draw(`${service}: snapshot: ${done} ${name}${where}`, `${event.done > 0 ? `, ${mb(event.done)}` : ""} in ${took}`, true);
      else draw(`${service}: snapshot: ${running} ${name}${where}`, `${bar(event.done, event.total)} ${took}`, false);
    },
    store(target) {
      let started: number | undefined;
      let finished = false;
      return (done, total) => {
        if (started === undefined) {
          started = now();
          if (!tty) plain(`${at()} ${service}: storing on ${target} (${mb(total)})…`);
        }
        if (!tty || finished) return;
        finished = done >= total;
        draw(`${service}: storing on ${target}`, `${bar(done, total)} ${seconds(now() - started)}`, finished);
      };
    },
  };
}
