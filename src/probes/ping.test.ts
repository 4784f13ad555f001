import { describe, expect, it } from "vitest";
import { parsePingOutput, ping } from "./ping.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

describe("parsePingOutput", () => {
  it("reads iputils' summary and average round trip", () => {
    const output = "--- 10.0.0.1 ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 402ms\nrtt min/avg/max/mdev = 0.041/0.052/0.063/0.011 ms\n";
    expect(parsePingOutput(output)).toEqual({ transmitted: 3, received: 2, lossPercent: 33.3333, avgRttMs: 0.052 });
  });

  it("reads total loss, with errors and without a round-trip line", () => {
    const output = "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2030ms\n";
    expect(parsePingOutput(output)).toEqual({ transmitted: 3, received: 0, lossPercent: 100 });
  });

  it("gives undefined when there is no summary", () => {
    expect(parsePingOutput("ping: nohost: Name or service not known\n")).toBeUndefined();
  });
});

describe("ping schema", () => {
  it("reads a host as three echoes tolerating 50% loss", () => {
    expect(ping.schema.parse("h003.lan")).toEqual({ host: "h003.lan", count: 3, max_loss: 50 });
    expect(ping.schema.parse({ host: "10.0.0.1", max_rtt: "20ms" })).toMatchObject({ max_rtt: 20 });
  });

  it("refuses a host that could be read as an option", () => {
    expect(zodMessages(ping.schema, "-f")).toContain("expected a host name or an IP address (letters, digits, '.', '-', ':')");
    expect(zodMessages(ping.schema, { host: "x", count: 1000 })[0]).toMatch(/^count: /);
  });
});
