// The agent's HTTP surface on `agents.listen` (loopback unless configured otherwise):
//   GET  /healthz        200 "ok" and { version, uptime_s } as JSON when asked for JSON
//   GET  /metrics        Prometheus exposition
//   GET|POST /push/:tok  records a heartbeat for a push check; 404 for a token no check uses
//   GET  /api/status     services, instances, checks' last results, open incidents (status.ts)
// The handler is plain node:http so the routes are tested without a socket; `listen` turns the common
// failure (the port is taken) into a sentence a person can act on.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AgentStatus } from "./status.js";

export interface HttpDeps {
  version: string;
  /** Seconds since the agent started. */
  uptime(): number;
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): AgentStatus;
  /** Records a beat; false when no push check uses this token. */
  push(token: string): boolean;
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, "application/json");
}

export function createHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // Bodies are never needed (a push body is ignored); drain them so keep-alive connections stay usable.
    req.resume();
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://agent").pathname;
    const readOnly = method === "GET" || method === "HEAD";
    void route(deps, method, path, readOnly, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      else res.destroy();
    });
  };
}

async function route(deps: HttpDeps, method: string, path: string, readOnly: boolean, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (path.startsWith("/push/") && (readOnly || method === "POST")) {
    let token: string;
    try {
      token = decodeURIComponent(path.slice("/push/".length));
    } catch {
      token = "";
    }
    // Unknown and malformed tokens get the same answer as any unknown path: nothing to learn from it.
    if (token === "" || token.includes("/") || !deps.push(token)) send(res, 404, "not found\n");
    else send(res, 200, "ok\n");
    return;
  }
  if (!readOnly) {
    res.setHeader("allow", "GET, HEAD");
    send(res, 405, "method not allowed\n");
    return;
  }
  switch (path) {
    case "/healthz": {
      const wantsJson = String(req.headers.accept ?? "").includes("application/json");
      const body = { status: "ok", version: deps.version, uptime_s: Math.round(deps.uptime()) };
      if (wantsJson) sendJson(res, 200, body);
      else send(res, 200, `ok\n${JSON.stringify(body)}\n`);
      return;
    }
    case "/metrics": {
      const { contentType, body } = await deps.metrics();
      send(res, 200, body, contentType);
      return;
    }
    case "/api/status":
      sendJson(res, 200, deps.status());
      return;
    default:
      send(res, 404, "not found\n");
  }
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
