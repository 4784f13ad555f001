import { describe, expect, it } from "vitest";
import { z } from "zod";
import { findProbeKind, probeKinds } from "./registry.js";
import { mount } from "./mount.js";
import { tls } from "./tls.js";
import { tcp } from "./tcp.js";
import { headscale } from "./headscale.js";
import { zodMessages } from "../../test/integration/helpers/zod-messages.js";

describe("probe registry", () => {
  it("lists each kind once and finds it by its key", () => {
    const names = probeKinds.map((kind) => kind.kind);
    expect(names).toEqual(["http", "tcp", "dns", "tls", "ping", "command", "ssh", "mount", "push", "headscale", "restic", "cloudflared", "litefs", "dhcp", "vrrp"]);
    for (const kind of probeKinds) expect(findProbeKind(kind.kind)).toBe(kind);
    expect(findProbeKind("icmp")).toBeUndefined();
  });

  it.each(probeKinds.map((kind) => [kind.kind, kind] as const))("%s has a JSON Schema with descriptions and no extra keys", (_name, kind) => {
    const schema = JSON.stringify(z.toJSONSchema(kind.schema, { io: "input" }));
    expect(schema).toContain('"description"');
    expect(schema).toContain('"additionalProperties":false');
  });
});

describe("schemas of the smaller kinds", () => {
  it("tcp, tls and mount read their shorthands", () => {
    expect(tcp.schema.parse("db.lan:5432")).toEqual({ host: "db.lan", port: 5432 });
    expect(tls.schema.parse("hs.example.org")).toEqual({ host: "hs.example.org", port: 443, min_days: 14 });
    expect(mount.schema.parse("/mnt/media")).toEqual({ path: "/mnt/media" });
  });

  it("explain bad input", () => {
    expect(zodMessages(tcp.schema, "db.lan")[0]).toContain('"db.lan" is not a target');
    expect(zodMessages(mount.schema, "mnt/media")).toContain('expected an absolute path such as "/mnt/media"');
    expect(zodMessages(headscale.schema, { url: "https://hs", api_key: "hskey-abc" })[0]).toMatch(/^api_key: a secret reference/);
    expect(zodMessages(tls.schema, { host: "x", min_days: -1 })[0]).toMatch(/^min_days: /);
  });
});
