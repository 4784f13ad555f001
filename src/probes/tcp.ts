// The tcp kind: a TCP connection to host:port opens within the timeout (a listener is there).
// `{ tcp: "db.lan:5432" }` or `{ tcp: { host: db.lan, port: 5432 } }`.
import { connect } from "node:net";
import { z } from "zod";
import { probeLookup } from "../net/probe-lookup.js";
import { defineProbe } from "./probe.js";
import { formatHostPort, hostPortString, hostSchema, portSchema } from "./host-port.js";
import type { HostPort } from "./host-port.js";
import { latencyMismatch, maxLatencySchema } from "./expect.js";
import { describeNetError } from "./net-error.js";
import type { NetFailure } from "./net-error.js";
import { failed, passed, raceAbort, stopwatch, timedOut } from "./result.js";

const tcpObjectSchema = z.strictObject({
  host: hostSchema,
  port: portSchema,
  max_latency: maxLatencySchema,
});

export const tcpSchema = z
  .union([hostPortString().transform((target) => tcpObjectSchema.parse(target)), tcpObjectSchema])
  .describe('A TCP check: "host:port", or { host, port, max_latency }.');

export type TcpSpec = z.output<typeof tcpSchema>;

/** Opens and closes one connection; resolves with the failure, or undefined once connected. */
export function tcpConnect(target: HostPort, signal: AbortSignal): Promise<NetFailure | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port, signal, lookup: probeLookup });
    socket.once("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on("error", (error) => {
      socket.destroy();
      resolve(describeNetError(error));
    });
  });
}

export const tcp = defineProbe({
  kind: "tcp",
  schema: tcpSchema,
  describe: (spec) => `tcp ${formatHostPort(spec)}`,
  async run(spec, ctx) {
    const elapsed = stopwatch();
    const target = `tcp ${formatHostPort(spec)}`;
    const failure = await raceAbort<NetFailure | "aborted" | undefined>(ctx.signal, tcpConnect(spec, ctx.signal), () => "aborted");
    const latencyMs = elapsed();
    if (failure === "aborted" || ctx.signal.aborted) return timedOut(target, ctx, latencyMs);
    if (failure !== undefined) return failed(failure.reason, `${target} failed: ${failure.text}.`, latencyMs);
    const slow = latencyMismatch(latencyMs, spec.max_latency);
    if (slow !== undefined) return failed("slow", `${target} accepted the connection but ${slow}.`, latencyMs);
    return passed(`${target} accepted the connection.`, latencyMs);
  },
});
