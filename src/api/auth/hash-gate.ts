// A gate in front of password hashing. scrypt runs on libuv's thread pool (4 threads by default), the
// same pool that dns.lookup, file reads and zlib use: 400 logins at once once filled it for seconds,
// checks resolving a name timed out, and a healthy primary was failed over. So at most `concurrency`
// hashes run at once (leaving the rest of the pool to everything else), at most `queue` wait behind
// them, and any further login is refused at once (503 with Retry-After) instead of queueing without end.
export interface GateOptions {
  /** Hashes running at once: 1 leaves three of libuv's four threads to the probes. */
  concurrency: number;
  /** Logins waiting for a turn; beyond it they are refused. */
  queue: number;
}

export const DEFAULT_GATE: GateOptions = { concurrency: 1, queue: 16 };

export class HashGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: GateOptions = DEFAULT_GATE) {}

  /** Runs `task` when a slot is free; undefined (nothing run) when every slot and the queue are taken. */
  run<T>(task: () => Promise<T>): Promise<T> | undefined {
    if (this.running >= this.options.concurrency && this.waiting.length >= this.options.queue) return undefined;
    return this.turn().then(async () => {
      try {
        return await task();
      } finally {
        this.running--;
        this.waiting.shift()?.();
      }
    });
  }

  /** Hashes running now, and logins waiting for a turn. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private turn(): Promise<void> {
    if (this.running < this.options.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.running++;
      resolve();
    }));
  }
}
