// What the dashboard calls each instance of a primary/standby service (issue 17): a killed primary is
// "down" while its checks fail, whatever the failover engine holds; back, it is "catching up" until
// warm, then a standby; and the overview's Where column says the same in words.
import { describe, expect, it } from "vitest";
import type { TopologyService } from "../../web/src/api/types.js";
import { failoverWhere, roleOf } from "../../web/src/components/instance-role.js";

const headscale = (active: string, l001: string): TopologyService => ({
  name: "headscale", role: "", criticality: "critical", placement: { kind: "failover", primary: "L001", standby: ["O001"] }, needs: [], active_host: active, health: "degraded",
  roles: [{ host: "L001", state: l001, since: "", reason: "" }, { host: "O001", state: active === "O001" ? "serving" : "warm", since: "", reason: "" }],
});
const states = (l001: string) => new Map([["headscale@L001", l001], ["headscale@O001", "up"]]);

describe("instance roles", () => {
  it("call a killed primary down after the failover, not standby", () => {
    const service = headscale("O001", "catching-up");
    expect(roleOf(service, "L001", states("down"))).toBe("down");
    expect(roleOf(service, "O001", states("down"))).toBe("active");
    expect(failoverWhere(service, states("down"))).toBe("active on O001; L001 down");
    // Not seen answering since (its verdict unknown or suspect): still down, not catching up.
    expect(roleOf(service, "L001", states("unknown"))).toBe("down");
    expect(roleOf(service, "L001", states("suspect"))).toBe("down");
    // Fenced by design, the agent reports the role in its place: catching up.
    expect(roleOf(service, "L001", states("catching-up"))).toBe("catching-up");
  });

  it("call it catching up once back, fence pending while its fence failed, and a standby once warm", () => {
    expect(roleOf(headscale("O001", "catching-up"), "L001", states("up"))).toBe("catching-up");
    expect(failoverWhere(headscale("O001", "catching-up"), states("up"))).toBe("active on O001; L001 catching up");
    expect(roleOf(headscale("O001", "pending-fence"), "L001", states("up"))).toBe("fence-pending");
    expect(roleOf(headscale("O001", "warm"), "L001", states("up"))).toBe("standby");
    expect(failoverWhere(headscale("O001", "warm"), states("up"))).toBe("active on O001, standby L001");
  });

  it("read older agents without roles: a standby unless its checks say down", () => {
    const old = { ...headscale("L001", "serving"), roles: undefined };
    expect(roleOf(old, "O001", new Map())).toBe("standby");
    expect(roleOf(old, "O001", new Map([["headscale@O001", "down"]]))).toBe("down");
    expect(failoverWhere(old, new Map())).toBe("active on L001, standby O001");
  });
});
