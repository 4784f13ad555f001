// The DNS provider kinds' config schemas: strict (a misspelt key is an error), secrets only as
// references, and the rules that tie keys together explained in words a user can act on.
import { describe, expect, test } from "vitest";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";
import { dnsProviderKinds, findDnsProviderKind } from "./registry.js";

const kind = (name: string) => findDnsProviderKind(name)!.schema;

describe("DNS provider schemas", () => {
  test("the registry lists each kind once under its config key", () => {
    expect(dnsProviderKinds.map((entry) => entry.kind)).toEqual(["rfc2136", "powerdns", "cloudflare", "hosts-file", "webhook"]);
  });

  test("a secret written into the config is refused with the way to reference it", () => {
    const messages = zodMessages(kind("rfc2136"), { server: "10.0.0.1", zone: "example.org", tsig: { name: "k", secret: "c2VjcmV0c2VjcmV0" } });
    expect(messages.join("\n")).toMatch(/tsig\.secret: a secret reference: "env:NAME"/);
    expect(zodMessages(kind("cloudflare"), { zone: "example.org", api_token: "abcd" }).join("\n")).toMatch(/api_token: a secret reference/);
  });

  test("an unknown key is an error, not silently ignored", () => {
    expect(zodMessages(kind("powerdns"), { api_url: "http://127.0.0.1:8081", api_key: "env:K", zone: "example.org", apikey: "x" }).join("\n")).toMatch(/apikey/);
  });

  test("defaults: hmac-sha256, server port 53, PowerDNS server id localhost", () => {
    const rfc = kind("rfc2136").parse({ server: "10.0.0.1", zone: "example.org", tsig: { name: "k", secret: "env:K" } });
    expect(rfc).toMatchObject({ server: { host: "10.0.0.1", port: 53 }, tsig: { algorithm: "hmac-sha256" } });
    expect(kind("powerdns").parse({ api_url: "http://127.0.0.1:8081", api_key: "env:K", zone: "example.org" })).toMatchObject({ server_id: "localhost" });
  });

  test("a webhook must say how the write is read back", () => {
    expect(zodMessages(kind("webhook"), { url: "http://127.0.0.1:9000/" }).join("\n")).toMatch(/exactly one of read_url and dns_server/);
  });

  test("a hosts file path must be absolute and the reload command an argv", () => {
    expect(zodMessages(kind("hosts-file"), { path: "dnsmasq.hosts" }).join("\n")).toMatch(/absolute path/);
    expect(zodMessages(kind("hosts-file"), { path: "/etc/dnsmasq.hosts", reload: "pkill -HUP dnsmasq" }).join("\n")).toMatch(/reload/);
  });
});
