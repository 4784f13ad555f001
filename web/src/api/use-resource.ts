// Loads one API resource for a page and reloads it when a live event says it changed. Reloads
// triggered by bursts of events are coalesced, so a failover's many steps cause a handful of requests.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api } from "./client.js";
import { subscribe, type LiveEvent } from "./events.js";

export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

const COALESCE_MS = 200;

export function useResource<T>(path: string | null, live: readonly LiveEvent[] = []): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const generation = useRef(0);

  const load = useCallback(() => {
    if (path === null) return;
    const mine = ++generation.current;
    setLoading(true);
    api<T>(path).then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (mine !== generation.current) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        setLoading(false);
      },
    );
  }, [path]);

  useEffect(() => {
    setData(undefined);
    load();
  }, [load]);

  const liveKey = live.join(",");
  useEffect(() => {
    if (liveKey === "" || path === null) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = subscribe(liveKey.split(",") as LiveEvent[], () => {
      if (timer === undefined) timer = setTimeout(() => ((timer = undefined), load()), COALESCE_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [liveKey, load, path]);

  return { data, error, loading, reload: load };
}
