// A small system file (/etc/hosts, /etc/resolv.conf) parsed once and parsed again only when it changed.
// Read with synchronous calls on purpose: these files are a few hundred bytes on a local disk, and the
// asynchronous fs calls run on libuv's thread pool, the very pool probes' name resolution must stay off
// (password hashing can fill it; see probe-lookup.ts). The file is looked at (one stat) at most once per
// `recheckMs`, so at a thousand lookups a second it costs a stat a second.
import { readFileSync, statSync } from "node:fs";

export interface WatchedFile<T> {
  /** The parsed content, re-read when the file's modification time or size changed. */
  current(): T;
}

/** `parse` gets the text, or undefined when the file is missing or unreadable. */
export function watchedFile<T>(path: string, parse: (text: string | undefined) => T, recheckMs = 2_000, now: () => number = Date.now): WatchedFile<T> {
  let value: T | undefined;
  let stamp = "";
  let checkedAt = Number.NEGATIVE_INFINITY;
  return {
    current() {
      const time = now();
      if (value !== undefined && time - checkedAt < recheckMs) return value;
      checkedAt = time;
      const stats = statSync(path, { throwIfNoEntry: false });
      const next = stats === undefined ? "missing" : `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
      if (value !== undefined && next === stamp) return value;
      stamp = next;
      let text: string | undefined;
      try {
        text = stats === undefined ? undefined : readFileSync(path, "utf8");
      } catch {
        text = undefined;
      }
      value = parse(text);
      return value;
    },
  };
}
