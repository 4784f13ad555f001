// The tcp kind against a real local TCP server that is stopped mid-test (up, then refused), an
// unresolvable name, and an abort.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createServer } from "node:net";
import type { AddressInfo, Server, Socket } from "node:net";
import { tcp } from "../../src/probes/tcp.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown): Promise<ProbeResult> {
  const context = probeContext({ timeoutMs: 5_000 });
  contexts.push(context);
  return tcp.run(tcp.schema.parse(input), context.ctx);
}

describe("tcp probe against a local TCP server", () => {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (server?.listening) server.close(() => resolve());
      else resolve();
    });
  afterAll(stop);

  it("passes while the server listens and fails with refused once it is stopped", async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;

    const up = await probe(`127.0.0.1:${port}`);
    expect(up).toMatchObject({ ok: true, message: `tcp 127.0.0.1:${port} accepted the connection.` });
    expect(await probe({ host: "127.0.0.1", port })).toMatchObject({ ok: true });

    await stop();
    const down = await probe(`127.0.0.1:${port}`);
    expect(down).toMatchObject({ ok: false, reason: "refused", message: `tcp 127.0.0.1:${port} failed: connection refused.` });
  });

  it("reports a name that does not resolve", async () => {
    const result = await probe("does-not-exist.invalid:80");
    expect(result).toMatchObject({ ok: false, reason: "dns" });
  });

  it("settles as a timeout when aborted before connecting", async () => {
    const context = probeContext();
    contexts.push(context);
    context.abort();
    expect(await tcp.run(tcp.schema.parse("127.0.0.1:9"), context.ctx)).toMatchObject({ ok: false, reason: "timeout" });
  });
});
