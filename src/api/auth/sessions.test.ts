// Sessions: random ids, a CSRF token each, an expiry that slides with use, logout and removal.
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../engine/clock.js";
import { credentialOf, SessionStore } from "./sessions.js";

describe("sessions", () => {
  it("finds a session by id until it has gone unused for the TTL", async () => {
    const clock = new FakeClock(0);
    const sessions = new SessionStore(clock, () => 60_000);
    const session = sessions.create("alice", credentialOf("h"));
    expect(session.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.csrf).not.toBe(session.id);
    await clock.advance(50_000);
    expect(sessions.get(session.id)?.user).toBe("alice");
    await clock.advance(50_000); // 100 s after creation, 50 s after last use: still alive
    expect(sessions.get(session.id)?.user).toBe("alice");
    await clock.advance(60_000);
    expect(sessions.get(session.id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  it("gives every session its own id and CSRF token and forgets deleted ones", () => {
    const sessions = new SessionStore(new FakeClock(0), () => 60_000);
    const [a, b] = [sessions.create("alice", credentialOf("h")), sessions.create("alice", credentialOf("h"))];
    expect(a.id).not.toBe(b.id);
    expect(a.csrf).not.toBe(b.csrf);
    sessions.delete(a.id);
    expect(sessions.get(a.id)).toBeUndefined();
    sessions.deleteUser("alice");
    expect(sessions.get(b.id)).toBeUndefined();
    expect(sessions.get("made-up")).toBeUndefined();
  });
});
