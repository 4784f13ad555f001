// The agent's HTTP server on `agents.listen` (loopback unless configured otherwise). The routes are the
// Hono app of src/api/ (app.ts): /healthz, /metrics, /push/:tok and /api/status as always, and with a
// `dashboard` config the authenticated dashboard API, live events and pages (src/api/CONTRACT.md).
// `listen` turns the common failure (the port is taken) into a sentence a person can act on.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { buildApp } from "../api/app.js";
import type { ApiWiring, CoreDeps } from "../api/deps.js";

export type HttpDeps = CoreDeps;

export type Handler = ((req: IncomingMessage, res: ServerResponse) => void) & { close(): void };

/** The request handler; without `api` only the agent's original routes exist (as in tests of them). */
export function createHandler(deps: HttpDeps, api?: ApiWiring): Handler {
  const built = buildApp(deps, api);
  const listener = getRequestListener((request, env) => built.current().fetch(request, env));
  return Object.assign((req: IncomingMessage, res: ServerResponse) => void listener(req, res), { close: () => built.close() });
}

/** The agent's listen address could not be bound: printed as is, exit status 2. */
export class ListenError extends Error {
  override name = "ListenError";
}

/** "127.0.0.1:8470", "[::1]:8470", "0.0.0.0:8470", or ":8470" / "8470" (then loopback, never every address). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(listen) ?? /^()()(\d{1,5})$/.exec(listen);
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port > 65_535) throw new ListenError(`agents.listen must be HOST:PORT such as 127.0.0.1:8470, got "${listen}"`);
  return { host: match[1] || match[2] || "127.0.0.1", port };
}

export interface HttpServer {
  /** e.g. "http://127.0.0.1:8470" */
  readonly url: string;
  close(): Promise<void>;
}

export async function listenHttp(handler: (req: IncomingMessage, res: ServerResponse) => void, listen: string): Promise<HttpServer> {
  const { host, port } = parseListen(listen);
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") reject(new ListenError(`${listen} is in use: another agent? set agents.listen`));
      else if (error.code === "EACCES") reject(new ListenError(`${listen}: permission denied (ports below 1024 need privileges); set agents.listen`));
      else if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") reject(new ListenError(`${listen}: no such address on this machine; set agents.listen`));
      else reject(new ListenError(`cannot listen on ${listen}: ${error.message}`, { cause: error }));
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
