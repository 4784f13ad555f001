// GET /api/events: Server-Sent Events for the dashboard. The current status first, then whatever the
// live feed sends (status, incident, failover), and a heartbeat comment every 15 s so proxies and the
// browser keep the connection open. Authentication is checked once, when the stream opens.
import { streamSSE } from "hono/streaming";
import type { ApiDeps } from "../deps.js";
import type { LiveFeed, LiveMessage } from "../live.js";
import type { Router } from "../router.js";

export const HEARTBEAT_MS = 15_000;

export function eventRoutes(router: Router, deps: Pick<ApiDeps, "status" | "clock">, feed: LiveFeed): void {
  router.add({ method: "get", path: "/api/events", access: "viewer", summary: "Live updates as Server-Sent Events: status, incident, failover", produces: "text/event-stream" }, (c) => {
    c.header("cache-control", "no-store");
    return streamSSE(c, async (stream) => {
      const queue: Array<LiveMessage | "heartbeat"> = [{ event: "status", data: deps.status() }];
      let wake: (() => void) | undefined;
      let open = true;
      const unsubscribe = feed.subscribe((message) => {
        queue.push(message);
        wake?.();
      });
      let heartbeat: unknown;
      const beat = () => {
        heartbeat = deps.clock.setTimeout(() => {
          queue.push("heartbeat");
          wake?.();
          beat();
        }, HEARTBEAT_MS);
      };
      beat();
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        while (open) {
          const message = queue.shift();
          if (!message) {
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
            continue;
          }
          if (message === "heartbeat") await stream.write(": heartbeat\n\n");
          else await stream.writeSSE({ event: message.event, data: JSON.stringify(message.data) });
        }
      } finally {
        unsubscribe();
        deps.clock.clearTimeout(heartbeat);
      }
    });
  });
}
