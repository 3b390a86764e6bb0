// attack1 (outside review): the ID token check at login, after Transmit accepted the password.
import { describe, expect, it } from "vitest";
import { loginJson, sessionCookie, setup, upstream } from "./helpers.ts";

describe("attack1 F1: a correct password whose tokens cannot be verified (JWKS outage, bad token)", () => {
  it("F1 does not count as a failed guess: the account is not throttled by verification faults", async () => {
    const s = setup({ limits: { account: 2 } });
    s.fake.failNext.verifyIdToken = Array.from({ length: 5 }, () => upstream("upstream_unavailable"));
    for (let i = 0; i < 5; i++) {
      const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
      expect(res.status).not.toBe(429);
      expect(sessionCookie(res)).toBeUndefined();
    }
    expect(s.fake.count("authenticate")).toBe(5);
    // Once the keys are back, the owner signs in at once (no lockout earned by the outage).
    const ok = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(ok.status).toBe(200);
  });

  it("F1 ends Transmit's session of a login whose tokens did not verify (nothing stays open for 14 days)", async () => {
    const s = setup();
    s.fake.failNext.verifyIdToken = [upstream("token_invalid")];
    const res = await loginJson(s.app, { username: "alice", password: "pw-alice" });
    expect(res.status).toBe(502);
    expect(sessionCookie(res)).toBeUndefined();
    expect(s.fake.count("logout")).toBe(1);
  });
});
