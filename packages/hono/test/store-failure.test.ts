import { describe, expect, it } from "vitest";
import type { SessionStore } from "../src/index.ts";
import { loginJson, sessionCookie, setup } from "./helpers.ts";

// A store that cannot keep a session after Transmit accepted the password: a token set too large for a sealed
// cookie, or a store outage. Nothing may stay open at Transmit, and the attempt is not a failed guess.
function failingCreate(inner: SessionStore): SessionStore {
  return {
    ...inner,
    create: async () => {
      throw new RangeError("session too large for a cookie");
    },
  } as SessionStore;
}

describe("a store that cannot hold the session after a correct password", () => {
  it("E02 answers the generic 500 without a session cookie, and ends Transmit's session", async () => {
    const base = setup();
    const s = setup({ auth: { sessions: failingCreate(base.sessions) } });
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(500);
    expect(sessionCookie(res)).toBeUndefined();
    expect(await res.text()).not.toContain("session too large");
    expect(s.fake.count("authenticate")).toBe(1);
    // Transmit's session of this login is closed at once, not left open until it expires.
    expect(s.fake.count("logout")).toBe(1);
    expect(s.events.some((e) => (e as { reason?: string }).reason === "session_store_failed")).toBe(true);
  });

  it("A04 does not count as a failed guess: the account is not throttled by store failures", async () => {
    const base = setup();
    const s = setup({ auth: { sessions: failingCreate(base.sessions) }, limits: { account: 2 } });
    for (let i = 0; i < 5; i++) {
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      expect(res.status).toBe(500);
    }
    expect(s.fake.count("authenticate")).toBe(5);
  });
});
