// Live updates: one EventSource on /api/events shared by every page. Pages subscribe to event names
// (status, incident, failover); the connection opens with the first subscriber and closes with the last.
// EventSource reconnects by itself; `connected` lets the header show when updates have stopped.
import { useEffect, useState } from "preact/hooks";

export type LiveEvent = "status" | "incident" | "failover";
type Listener = (data: unknown) => void;

const listeners = new Map<LiveEvent, Set<Listener>>();
const stateListeners = new Set<(connected: boolean) => void>();
let source: EventSource | null = null;
let connected = false;

function setConnected(value: boolean): void {
  connected = value;
  for (const listener of stateListeners) listener(value);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function open(): void {
  source = new EventSource("/api/events", { withCredentials: true });
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  for (const name of ["status", "incident", "failover"] as const) {
    source.addEventListener(name, (event) => {
      const data = parse((event as MessageEvent<string>).data);
      for (const listener of listeners.get(name) ?? []) listener(data);
    });
  }
}

function subscriberCount(): number {
  let count = 0;
  for (const set of listeners.values()) count += set.size;
  return count;
}

export function subscribe(names: readonly LiveEvent[], listener: Listener): () => void {
  for (const name of names) {
    if (!listeners.has(name)) listeners.set(name, new Set());
    listeners.get(name)!.add(listener);
  }
  if (source === null) open();
  return () => {
    for (const name of names) listeners.get(name)?.delete(listener);
    if (subscriberCount() === 0 && source !== null) {
      source.close();
      source = null;
      setConnected(false);
    }
  };
}

export function useLiveConnected(): boolean {
  const [value, setValue] = useState(connected);
  useEffect(() => {
    stateListeners.add(setValue);
    setValue(connected);
    return () => void stateListeners.delete(setValue);
  }, []);
  return value;
}
