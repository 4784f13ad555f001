// The tls kind against real local TLS servers with certificates made by openssl: trusted through
// ca_file, expiring soon, expired, for another host name, self-signed (untrusted by system CAs).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:tls";
import type { Server } from "node:tls";
import type { AddressInfo } from "node:net";
import { tls } from "../../src/probes/tls.js";
import type { ProbeResult } from "../../src/probes/probe.js";
import { makeCerts } from "./helpers/certs.js";
import type { CertPair, Certs } from "./helpers/certs.js";
import { requireBinaries } from "./helpers/binaries.js";
import { probeContext } from "./helpers/probe-context.js";
import type { TestContext } from "./helpers/probe-context.js";
import { freePort } from "./helpers/free-port.js";

const stops: (() => unknown)[] = [];
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});
let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

async function probe(input: unknown, timeoutMs = 5_000): Promise<ProbeResult> {
  const context = probeContext({ timeoutMs });
  contexts.push(context);
  return tls.run(tls.schema.parse(input), context.ctx);
}

/** A TLS server presenting `pair`; returns its port. */
async function serve(pair: CertPair): Promise<number> {
  const server: Server = createServer({ key: pair.key, cert: pair.cert }, (socket) => socket.end());
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

describe.skipIf(!requireBinaries("openssl", "openssl"))("tls probe against local TLS servers", () => {
  let certs: Certs;
  beforeAll(async () => {
    certs = await makeCerts();
    stops.push(certs.stop);
  });

  it("passes for a certificate chained to ca_file, valid for the name, and reports days left", async () => {
    const port = await serve(certs.valid);
    const result = await probe({ host: "127.0.0.1", port, servername: "localhost", ca_file: certs.caFile });
    expect(result).toMatchObject({ ok: true, details: { subject: "localhost", issuer: "Understudy Test CA" } });
    expect(result.details?.days_left).toBeGreaterThanOrEqual(363);
    // An IP address is checked against the certificate's IP entries.
    expect(await probe({ host: "127.0.0.1", port, ca_file: certs.caFile })).toMatchObject({ ok: true });
  });

  it("fails a certificate that expires sooner than min_days", async () => {
    const port = await serve(certs.expiringSoon);
    const result = await probe({ host: "127.0.0.1", port, ca_file: certs.caFile, min_days: 14 });
    expect(result).toMatchObject({ ok: false, reason: "expiring" });
    expect(result.message).toMatch(/expires in [23] days, fewer than the required 14\.$/);
    expect(await probe({ host: "127.0.0.1", port, ca_file: certs.caFile, min_days: 1 })).toMatchObject({ ok: true });
  });

  it("fails an expired certificate and says when it expired", async () => {
    const port = await serve(certs.expired);
    const result = await probe({ host: "127.0.0.1", port, ca_file: certs.caFile });
    expect(result).toMatchObject({ ok: false, reason: "expired" });
    expect(result.message).toContain("expired on 2020-02-01T00:00:00.000Z");
    expect(result.details?.days_left).toBeLessThan(0);
  });

  it("fails a certificate made for another host name", async () => {
    const port = await serve(certs.wrongHost);
    const result = await probe({ host: "127.0.0.1", port, servername: "localhost", ca_file: certs.caFile });
    expect(result).toMatchObject({ ok: false, reason: "hostname" });
    expect(result.message).toContain("the certificate for other.example is not valid for localhost");
  });

  it("fails a self-signed certificate against the system CAs", async () => {
    const port = await serve(certs.selfSigned);
    const result = await probe(`127.0.0.1:${port}`);
    expect(result).toMatchObject({ ok: false, reason: "untrusted" });
    expect(result.message).toContain("is not trusted by the system CAs (DEPTH_ZERO_SELF_SIGNED_CERT)");
    // And also against a CA that did not sign it.
    expect(await probe({ host: "127.0.0.1", port, ca_file: certs.caFile })).toMatchObject({ ok: false, reason: "untrusted" });
  });

  it("reports an unreadable ca_file and a refused connection", async () => {
    const port = await freePort();
    expect(await probe({ host: "127.0.0.1", port, ca_file: `${certs.dir}/missing.pem` })).toMatchObject({ ok: false, reason: "ca_file" });
    expect(await probe({ host: "127.0.0.1", port })).toMatchObject({ ok: false, reason: "refused" });
  });
});
