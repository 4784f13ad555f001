// A warm standby's failing checks are not a failure for alerting: it reads unknown, and its changes
// are not heard; an instance not stopped by design is untouched.
import { expect, test } from "vitest";
import { withoutExpectedDown } from "./expected-down.js";
import type { InstanceChange, VerdictSource } from "./verdict.js";

test("an instance stopped by design reads unknown while down, and its down change is not heard", () => {
  const states = new Map([["hs@spare", "down"], ["hs@vps", "down"]] as const);
  const listeners: Array<(change: InstanceChange) => void> = [];
  const source: VerdictSource = { instanceState: (s, h) => states.get(`${s}@${h}` as never) ?? "unknown", onChange: (l) => (listeners.push(l), () => {}) };
  const view = withoutExpectedDown(source, (_service, host) => host === "spare");
  expect(view.instanceState("hs", "spare")).toBe("unknown");
  expect(view.instanceState("hs", "vps")).toBe("down");
  const heard: string[] = [];
  view.onChange((change) => heard.push(`${change.host}:${change.from}→${change.to}`));
  for (const host of ["spare", "vps"]) listeners[0]!({ service: "hs", host, from: "suspect", to: "down", at: 1, reason: "x" });
  listeners[0]!({ service: "hs", host: "spare", from: "down", to: "up", at: 2, reason: "promoted" });
  expect(heard).toEqual(["vps:suspect→down", "spare:unknown→up"]);
});
