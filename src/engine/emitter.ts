// A typed event emitter whose listeners cannot hurt it: a listener that throws (or rejects) is
// reported through `onError` and the other listeners still run. The agent's event map (events.ts),
// the verdicts and the incidents all publish through it; the store, notifiers and dashboard listen.

/** Anything that accepts events of a map: what a producer needs, so it never sees the listeners. */
export interface EventSink<M> {
  emit<K extends keyof M>(name: K, payload: M[K]): void;
}

export type Listener<T> = (payload: T) => void | Promise<void>;

export interface ListenerFailure {
  event: string;
  error: unknown;
}

export class Emitter<M> implements EventSink<M> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  /** `onError` hears every listener failure; without it they are dropped, never rethrown. */
  constructor(private readonly onError: (failure: ListenerFailure) => void = () => {}) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof M>(name: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  emit<K extends keyof M>(name: K, payload: M[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    // A copy: a listener may unsubscribe (itself or another) while we iterate.
    for (const listener of [...set]) {
      try {
        const result = (listener as Listener<M[K]>)(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(name, error));
      } catch (error) {
        this.fail(name, error);
      }
    }
  }

  listenerCount(name: keyof M): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  private fail(name: keyof M, error: unknown): void {
    try {
      this.onError({ event: String(name), error });
    } catch {
      // The error reporter itself failed: nothing sensible is left to tell, and emit must not throw.
    }
  }
}
