// A local HTTP or HTTPS server on 127.0.0.1 and a free port for tests, with a disposer that also
// closes kept-alive and hanging connections (a slow handler must not hold the test file open).
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface TestHttpServer {
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:40123". */
  url: string;
  port: number;
  /** Requests seen so far, in order. */
  requests: IncomingMessage[];
  stop(): Promise<void>;
}

export async function startHttpServer(handler: Handler, tls?: { key: Buffer; cert: Buffer }): Promise<TestHttpServer> {
  const requests: IncomingMessage[] = [];
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    requests.push(request);
    handler(request, response);
  };
  const server = tls === undefined ? createServer(listener) : createHttpsServer({ key: tls.key, cert: tls.cert }, listener);
  // A client that gives up on a TLS handshake makes the server emit this; it is expected in tests.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    port,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
