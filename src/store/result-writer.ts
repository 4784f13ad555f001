// Buffers check results and writes them in batches: at most `maxRows` rows or `maxDelayMs` after the first
// buffered one, whichever comes first, so a thousand results a second cost a few transactions, not a
// thousand fsyncs. The timer is injected so tests drive it without sleeping; close() flushes what is left.
import type { Store } from "./db.js";
import { insertResults, type CheckResult } from "./results.js";

export interface WriterTimer {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const systemTimer: WriterTimer = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface ResultWriterOptions {
  maxRows?: number;
  maxDelayMs?: number;
  /** Rows kept for a retry while writes fail; past it the oldest are dropped (and counted). */
  maxBuffered?: number;
  timer?: WriterTimer;
  /** Called when a timed flush fails (the rows stay buffered for the next one). Default: a process warning. */
  onError?: (error: unknown) => void;
}

export interface WriterStats {
  written: number;
  skipped: number;
  dropped: number;
  batches: number;
}

export class ResultWriter {
  readonly #store: Store;
  readonly #maxRows: number;
  readonly #maxDelayMs: number;
  readonly #maxBuffered: number;
  readonly #timer: WriterTimer;
  readonly #onError: (error: unknown) => void;
  #buffer: CheckResult[] = [];
  #pending: unknown = undefined;
  #closed = false;
  /** Set while writes fail: then only the retry timer flushes, not every write. */
  #failing = false;
  readonly stats: WriterStats = { written: 0, skipped: 0, dropped: 0, batches: 0 };

  constructor(store: Store, options: ResultWriterOptions = {}) {
    this.#store = store;
    this.#maxRows = options.maxRows ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000;
    this.#maxBuffered = options.maxBuffered ?? this.#maxRows * 100;
    this.#timer = options.timer ?? systemTimer;
    this.#onError = options.onError ?? ((error) => process.emitWarning(`understudy: writing check results failed, will retry: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** Rows waiting to be written. */
  get pending(): number {
    return this.#buffer.length;
  }

  write(result: CheckResult): void {
    if (this.#closed) throw new Error("bug: ResultWriter.write after close");
    this.#buffer.push(result);
    if (this.#buffer.length > this.#maxBuffered) {
      const excess = this.#buffer.length - this.#maxBuffered;
      this.#buffer.splice(0, excess);
      this.stats.dropped += excess;
    }
    if (this.#buffer.length >= this.#maxRows && !this.#failing) this.#flushFromTimer();
    else if (this.#pending === undefined) this.#pending = this.#timer.set(() => this.#flushFromTimer(), this.#maxDelayMs);
  }

  /** Writes everything buffered now; throws if the write fails (the rows stay buffered). */
  flush(): void {
    if (this.#pending !== undefined) {
      this.#timer.clear(this.#pending);
      this.#pending = undefined;
    }
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    try {
      const outcome = insertResults(this.#store, batch);
      this.stats.written += outcome.inserted;
      this.stats.skipped += outcome.skipped;
      this.stats.batches += 1;
    } catch (error) {
      this.#buffer = batch.concat(this.#buffer);
      throw error;
    }
  }

  /** Flushes and stops; later writes are a bug. Calling it again does nothing. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }

  #flushFromTimer(): void {
    try {
      this.flush();
      this.#failing = false;
    } catch (error) {
      this.#failing = true;
      this.#onError(error);
      // Try again later rather than on every write while the database is unhappy.
      if (!this.#closed && this.#pending === undefined) this.#pending = this.#timer.set(() => this.#flushFromTimer(), this.#maxDelayMs);
    }
  }
}
