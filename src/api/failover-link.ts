// The failover engine starts after the HTTP server (a taken port must stop the agent before anything
// acts), so the API reaches it through this link, which asks for the engine at each call.
import type { FailoverApi } from "./deps.js";

const NOT_READY = "the failover engine is not running yet";

export function linkFailover(engine: () => FailoverApi | undefined): FailoverApi {
  const need = () => {
    const found = engine();
    if (!found) throw new Error(NOT_READY);
    return found;
  };
  return {
    history: () => engine()?.history() ?? [],
    plan: (service, to) => need().plan(service, to),
    start: (service, to, by) => need().start(service, to, by),
    onProgress: (listener) => engine()?.onProgress(listener) ?? (() => {}),
    activeHost: (service) => engine()?.activeHost?.(service),
  };
}
