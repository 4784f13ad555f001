// The vrrp kind without a network: its schema's messages, iputils arping's output read back, and the
// failure when arping is missing. The kind against real keepalived: test/integration/probes-vrrp.test.ts.
import { afterEach, describe, expect, it } from "vitest";
import { parseArping, vrrp } from "./vrrp.js";
import { dhcp } from "./dhcp.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";
import { probeContext } from "../../test/integration/helpers/probe-context.js";
import type { TestContext } from "../../test/integration/helpers/probe-context.js";

let contexts: TestContext[] = [];
afterEach(() => {
  for (const context of contexts) context.stop();
  contexts = [];
});

const ARPING = `ARPING 10.0.0.100 from 10.0.0.254 br0
Unicast reply from 10.0.0.100 [72:AF:7D:E1:00:D4]  0.561ms
Unicast reply from 10.0.0.100 [12:e9:b8:5e:41:45]  0.614ms
Unicast reply from 10.0.0.99 [12:E9:B8:5E:41:46]  0.614ms
Sent 2 probes (2 broadcast(s))
Received 3 response(s)
`;

describe("vrrp kind", () => {
  it("reads arping's replies for the address asked, MACs upper case", () => {
    expect(parseArping(ARPING, "10.0.0.100")).toEqual({ replies: ["72:AF:7D:E1:00:D4", "12:E9:B8:5E:41:45"], sent: 2 });
    expect(parseArping("Sent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n", "10.0.0.100")).toEqual({ replies: [], sent: 1 });
    expect(parseArping("arping: Device eth9 not available.\n", "10.0.0.100")).toBeUndefined();
  });

  it("reads hosts given as addresses or { name, address } and explains bad input", () => {
    expect(vrrp.schema.parse({ address: "10.0.0.100", hosts: ["10.0.0.1", { name: "gw2", address: "10.0.0.2" }] }).hosts).toEqual([
      { name: "10.0.0.1", address: "10.0.0.1" },
      { name: "gw2", address: "10.0.0.2" },
    ]);
    expect(zodMessages(vrrp.schema, { address: "gw.lan", hosts: ["10.0.0.1"] })[0]).toContain('expected an IPv4 address such as "192.168.1.10"');
    expect(zodMessages(vrrp.schema, { address: "10.0.0.100", hosts: ["10.0.0.1", "10.0.0.1"] })[0]).toContain("each host's address once");
    expect(zodMessages(vrrp.schema, { address: "10.0.0.100", hosts: [{ name: "gw1", address: "10.0.0.1" }], expect_holder: "gw2" })[0]).toMatch(/^expect_holder: expect_holder must be the name of one of the hosts/);
  });

  it("fails with the package to install when arping is missing", async () => {
    const context = probeContext({ timeoutMs: 3_000 });
    contexts.push(context);
    const result = await vrrp.run(vrrp.schema.parse({ address: "192.0.2.10", hosts: ["192.0.2.1"], arping: "/nonexistent/arping" }), context.ctx);
    expect(result).toMatchObject({ ok: false, reason: "error", message: "vrrp 192.0.2.10 was not asked: /nonexistent/arping was not found (apt-get install -y iputils-arping)." });
  });
});

describe("dhcp kind's schema", () => {
  it("reads the shorthand and explains bad input", () => {
    expect(dhcp.schema.parse("eth0")).toEqual({ interface: "eth0", expect: {} });
    expect(zodMessages(dhcp.schema, { interface: "eth0", expect: { dns_servers: ["192.168.1.2", "dns2.lan"] } })[0]).toMatch(/^expect\.dns_servers\.1: expected an IPv4 address/);
    expect(zodMessages(dhcp.schema, { interface: "eth 0" })[0]).toContain('expected a network interface name such as "eth0"');
    expect(zodMessages(dhcp.schema, { interface: "eth0", expect: { resolvers: [] } })[0]).toContain("resolvers");
  });
});
