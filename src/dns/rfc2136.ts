// The rfc2136 kind: RFC 2136 dynamic UPDATE signed with TSIG, for BIND, Knot, PowerDNS (dnsupdate=yes)
// and Technitium. The record is read back with a plain query to the same server, which is what
// resolvers will be told. The key's secret is the base64 text of BIND's `key { secret "…"; }`,
// given as a secret reference.
import { randomInt } from "node:crypto";
import { z } from "zod";
import { secretRef } from "../config/secret.js";
import { formatHostPort, hostPortString } from "../probes/host-port.js";
import { readByQuery } from "./dns-read.js";
import { exchange } from "./dns-exchange.js";
import { defineDnsProvider, failure } from "./provider.js";
import { inZone, normaliseName } from "./record-values.js";
import { TSIG_ALGORITHMS, TSIG_ERRORS, signMessage, verifyResponse } from "./tsig.js";
import type { TsigKey } from "./tsig.js";
import { UPDATE_RCODES, buildUpdate, responseCode } from "./update-message.js";
import { verifiedProvider } from "./verified-write.js";

export const rfc2136Schema = z
  .strictObject({
    server: hostPortString(53).describe('The primary server that accepts updates: "10.0.0.1", "ns1.lan:5353" or "[fd00::1]:53" (port 53 by default).'),
    zone: z.string().min(1).describe("The zone the record lives in, e.g. example.org."),
    tsig: z
      .strictObject({
        name: z.string().min(1).describe("The key's name, as in the server's `key \"NAME\" { … }`."),
        algorithm: z.enum(TSIG_ALGORITHMS).default("hmac-sha256").describe("hmac-sha256 (default) or hmac-sha512."),
        secret: secretRef.describe('The key\'s base64 secret as a reference: "env:NAME" or "file:/path" (the bare base64 text).'),
      })
      .describe("The TSIG key that signs updates."),
  })
  .describe("RFC 2136 dynamic update signed with TSIG: { server, zone, tsig: { name, algorithm, secret } }.");

export type Rfc2136Spec = z.output<typeof rfc2136Schema>;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const rfc2136 = defineDnsProvider({
  kind: "rfc2136",
  schema: rfc2136Schema,
  create(spec, ctx) {
    const zone = normaliseName(spec.zone);
    const where = formatHostPort(spec.server);
    const describe = () => `rfc2136 ${zone} @${where} (key ${spec.tsig.name})`;
    const outside = (name: string) => failure("invalid", `${name} is not inside the zone ${zone}`);
    return verifiedProvider(ctx, (secret) => ({
      describe,
      setsTtl: true,
      read: (name, type, signal) => (inZone(name, zone) ? readByQuery(spec.server, name, type, signal) : Promise.resolve(outside(name))),
      async apply(name, type, values, ttl, signal) {
        if (!inZone(name, zone)) return outside(name);
        const text = (await secret(spec.tsig.secret)).trim();
        if (!BASE64.test(text)) return failure("secret", `the secret of TSIG key ${spec.tsig.name} is not base64 text (as in BIND's key file)`);
        const key: TsigKey = { name: spec.tsig.name, algorithm: spec.tsig.algorithm, secret: Buffer.from(text, "base64") };
        const message = buildUpdate(randomInt(0, 65_536), zone, name, type, values, ttl);
        const { signed, mac } = signMessage(message, key, Math.floor(Date.now() / 1000));
        const answer = await exchange(spec.server, signed, signal);
        if (!answer.ok) {
          const reason = answer.failure.reason === "timeout" ? "timeout" : answer.failure.reason === "malformed" ? "error" : "unreachable";
          return failure(reason, `update of ${name} ${type} to ${where} failed: ${answer.failure.text}`);
        }
        const rcode = responseCode(answer.response);
        const signature = verifyResponse(answer.response, mac, key);
        if (signature.signed && signature.error !== 0) {
          const what = TSIG_ERRORS[signature.error] ?? `TSIG error ${signature.error}`;
          return failure("auth", `${where} refused TSIG key ${spec.tsig.name} (${spec.tsig.algorithm}): ${what}`);
        }
        if (rcode !== 0) {
          const what = UPDATE_RCODES[rcode] ?? `response code ${rcode}`;
          return failure(rcode === 9 ? "auth" : "rejected", `${where} rejected the update of ${name} ${type} signed with key ${spec.tsig.name}: ${what}`);
        }
        // A success that is not signed by our key could be forged or come from a misconfigured server.
        if (!signature.signed || !signature.valid) return failure("auth", `${where} answered the update without a valid TSIG signature of key ${spec.tsig.name}`);
        return { ok: true };
      },
    }));
  },
});
