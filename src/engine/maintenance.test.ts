import { describe, expect, it } from "vitest";
import type { Topology } from "../model/topology.js";
import { MaintenanceSchedule } from "./maintenance.js";

type Window = Topology["maintenance"][number];
const win = (fields: Partial<Window>): Window => ({ name: "w", hosts: [], services: [], timezone: "UTC", ...fields });
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe("maintenance windows", () => {
  it("reads a one-off local start in its zone, summer and winter time", () => {
    const winter = new MaintenanceSchedule([win({ start: "2026-12-01T02:00", duration: HOUR, timezone: "Europe/Berlin" })]);
    expect(winter.isInMaintenance(at("2026-12-01T00:59:59Z"))).toBe(false);
    expect(winter.isInMaintenance(at("2026-12-01T01:00:00Z"))).toBe(true); // 02:00 CET
    expect(winter.isInMaintenance(at("2026-12-01T02:00:00Z"))).toBe(false);
    const summer = new MaintenanceSchedule([win({ start: "2026-07-01T02:00", end: "2026-07-01T03:00", timezone: "Europe/Berlin" })]);
    expect(summer.isInMaintenance(at("2026-07-01T00:00:00Z"))).toBe(true); // 02:00 CEST
    expect(summer.isInMaintenance(at("2026-07-01T01:00:00Z"))).toBe(false);
  });

  it("a start in the spring-forward gap begins when the gap is over; one in the repeated hour at its first occurrence", () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist; it means 03:30 CEST.
    const gap = new MaintenanceSchedule([win({ start: "2026-03-29T02:30", duration: HOUR, timezone: "Europe/Berlin" })]);
    expect(gap.isInMaintenance(at("2026-03-29T01:29:00Z"))).toBe(false);
    expect(gap.isInMaintenance(at("2026-03-29T01:30:00Z"))).toBe(true);
    // New York, 1 November 2026: 01:30 happens twice (EDT, then EST); the window starts at the first.
    const repeat = new MaintenanceSchedule([win({ start: "2026-11-01T01:30", duration: HOUR, timezone: "America/New_York" })]);
    expect(repeat.isInMaintenance(at("2026-11-01T05:30:00Z"))).toBe(true); // 01:30 EDT
    expect(repeat.isInMaintenance(at("2026-11-01T06:45:00Z"))).toBe(false); // 01:45 EST, past the hour
  });

  it("a duration is elapsed time across a DST change", () => {
    // 01:00 CET (00:00Z) for three hours ends at 03:00Z, which the clocks on the wall call 05:00 CEST.
    const schedule = new MaintenanceSchedule([win({ start: "2026-03-29T01:00", duration: 3 * HOUR, timezone: "Europe/Berlin" })]);
    expect(schedule.isInMaintenance(at("2026-03-29T02:59:00Z"))).toBe(true);
    expect(schedule.isInMaintenance(at("2026-03-29T03:00:00Z"))).toBe(false);
  });

  it("recurs at local wall time in two zones across their DST changes", () => {
    const schedule = new MaintenanceSchedule([
      win({ name: "berlin", cron: "0 2 * * 0", duration: 2 * HOUR, timezone: "Europe/Berlin", hosts: ["H1"] }),
      win({ name: "nyc", cron: "30 1 * * *", duration: HOUR, timezone: "America/New_York", hosts: ["N1"] }),
    ]);
    const berlin = (iso: string) => schedule.isInMaintenance(at(iso), { host: "H1" });
    expect(berlin("2026-03-22T01:00:00Z")).toBe(true); // Sunday 02:00 CET
    expect(berlin("2026-03-22T00:59:00Z")).toBe(false);
    // DST Sunday: 02:00 does not exist; the window starts at 03:00 CEST (01:00Z) instead of vanishing.
    expect(berlin("2026-03-29T00:59:00Z")).toBe(false);
    expect(berlin("2026-03-29T01:00:00Z")).toBe(true);
    expect(berlin("2026-03-29T02:59:00Z")).toBe(true);
    expect(berlin("2026-04-05T00:00:00Z")).toBe(true); // Sunday 02:00 CEST
    expect(berlin("2026-04-05T02:00:00Z")).toBe(false);
    expect(berlin("2026-04-06T00:30:00Z")).toBe(false); // Monday
    const nyc = (iso: string) => schedule.isInMaintenance(at(iso), { host: "N1" });
    expect(nyc("2026-03-07T06:30:00Z")).toBe(true); // 01:30 EST
    expect(nyc("2026-03-09T05:30:00Z")).toBe(true); // 01:30 EDT, after the change
    expect(nyc("2026-03-09T06:30:00Z")).toBe(false);
    // Fall back: 01:30 comes twice; one window, from the first.
    expect(nyc("2026-11-01T05:30:00Z")).toBe(true);
    expect(nyc("2026-11-01T06:40:00Z")).toBe(false);
    // The windows cover only their hosts.
    expect(schedule.activeWindows(at("2026-03-22T01:00:00Z"), { host: "N1" })).toEqual([]);
    expect(schedule.activeWindows(at("2026-03-22T01:00:00Z"), { host: "H1", service: "web" })).toEqual(["berlin"]);
  });

  it("covers everything when it names no host and no service; otherwise a host or a service", () => {
    const all = new MaintenanceSchedule([win({ start: "2026-01-01T00:00Z", duration: HOUR })]);
    expect(all.isInMaintenance(at("2026-01-01T00:30:00Z"), { service: "anything" })).toBe(true);
    const some = new MaintenanceSchedule([win({ start: "2026-01-01T00:00Z", duration: HOUR, services: ["nfs"] })]);
    expect(some.isInMaintenance(at("2026-01-01T00:30:00Z"), { service: "nfs" })).toBe(true);
    expect(some.isInMaintenance(at("2026-01-01T00:30:00Z"), { service: "web", host: "H1" })).toBe(false);
  });

  it("refuses windows it cannot understand, naming them", () => {
    expect(() => new MaintenanceSchedule([win({ name: "x", cron: "0 2 * * 0", duration: HOUR, timezone: "Mars/Olympus" })])).toThrow(/"x".*unknown time zone "Mars\/Olympus"/);
    expect(() => new MaintenanceSchedule([win({ cron: "0 2 * * 0" })])).toThrow(/needs a duration/);
    expect(() => new MaintenanceSchedule([win({ cron: "not cron", duration: HOUR })])).toThrow(/cron "not cron" is not valid/);
    expect(() => new MaintenanceSchedule([win({ start: "next tuesday", duration: HOUR })])).toThrow(/not an ISO 8601 time/);
    expect(() => new MaintenanceSchedule([win({ start: "2026-01-01T02:00" })])).toThrow(/needs end or duration/);
  });
});
