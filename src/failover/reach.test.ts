// The connect check before an SSH action: a port that answers passes; a closed one fails at once with
// the reason, instead of the action waiting out its whole timeout (twice) on a host that is cut off.
import { createServer } from "node:net";
import { expect, test } from "vitest";
import { unreachable } from "./reach.js";

test("a listening port is reachable; a closed one is not, and says why", async () => {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const signal = new AbortController().signal;
  expect(await unreachable("127.0.0.1", port, 3_000, signal)).toBeUndefined();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  expect(await unreachable("127.0.0.1", port, 3_000, signal)).toMatch(new RegExp(`^127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
});

test("an aborted check stops at once", async () => {
  const controller = new AbortController();
  controller.abort();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  expect(await unreachable("127.0.0.1", port, 3_000, controller.signal)).toMatch(/aborted/);
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
