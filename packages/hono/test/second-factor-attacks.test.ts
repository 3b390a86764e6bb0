// Attacks on the second factor with a scripted Transmit: confused tokens after the code, and replayed sealed
// pending cookies (a stateless store cannot forget an older value, so the limiter must be the bound).
import { type TokenSet, TransmitError, type VerifiedClaims } from "@transmit-edge/core";
import { describe, expect, it } from "vitest";
import { browser, type FakeClient, ORIGIN, type Setup, setup } from "./helpers.ts";

/** Gives the fake `totp` and `otp`: the code `123456` is right and answers `answer()`; anything else is wrong. */
function withFactors(fake: FakeClient, answer: () => { sub: string; amr: string[] }) {
  const calls: string[] = [];
  let n = 0;
  const check = async (code: string): Promise<TokenSet> => {
    calls.push(code);
    if (code !== "123456") throw new TransmitError("invalid_credentials", "wrong code", { status: 400 });
    const { sub, amr } = answer();
    n++;
    return {
      accessToken: `at.${sub}.m${n}`,
      idToken: `mfa.${sub}.${amr.join("+")}`,
      refreshToken: `rt.${sub}.m${n}`,
      tokenType: "Bearer",
      expiresIn: 3600,
      sessionId: `ts.${sub}.m${n}`,
    };
  };
  const f = fake as unknown as Record<string, unknown>;
  f.totp = { authenticate: (input: { token: string }) => check(input.token) };
  f.otp = { send: async () => ({}), authenticate: (input: { passcode: string }) => check(input.passcode) };
  // ID tokens of the second factor name their user and `amr`; the password's are the fake's own.
  const verify = fake.tokens.verifyIdToken.bind(fake.tokens);
  (fake.tokens as { verifyIdToken: typeof verify }).verifyIdToken = async (jwt, options) => {
    const [kind, sub, amr] = jwt.split(".");
    if (kind !== "mfa") return verify(jwt, options);
    return { sub: `user-${sub}`, amr: (amr ?? "").split("+") } as VerifiedClaims;
  };
  return calls;
}

async function post(s: Setup, path: string, body: unknown, cookie?: string): Promise<Response> {
  return s.app.request(`${ORIGIN}${path}`, {
    method: "POST",
    headers: browser({ "content-type": "application/json", ...(cookie ? { cookie } : {}) }),
    body: JSON.stringify(body),
  });
}

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((l) => l.startsWith(`${name}=`) && !/max-age=0/i.test(l))
    ?.split(";")[0];

describe("second factor attacks", () => {
  it("M01 tokens for another user after the code start no session, and Transmit's session of them is ended", async () => {
    const s = setup({ auth: { secondFactor: { require: "always" } } });
    withFactors(s.fake, () => ({ sub: "bob", amr: ["pwd", "totp", "mfa"] }));
    const first = await post(s, "/auth/login", { username: "alice", password: "pw-alice" });
    expect(first.status).toBe(403);
    const pending = cookieOf(first, "__Host-session-pw") as string;
    const res = await post(s, "/auth/verify", { method: "totp", code: "123456" }, pending);
    expect(res.status).toBe(502);
    expect(cookieOf(res, "__Host-session")).toBeUndefined();
    expect(s.fake.calls.filter((c) => c.method === "logout").map((c) => c.args[0])).toEqual(["ts.bob.m1"]);
    expect(s.events.at(-1)?.reason).toBe("second_factor_unconfirmed");
  });

  it("M01 tokens of the same user without mfa in amr start no session", async () => {
    const s = setup({ auth: { secondFactor: { require: "always" } } });
    withFactors(s.fake, () => ({ sub: "alice", amr: ["totp"] }));
    const first = await post(s, "/auth/login", { username: "alice", password: "pw-alice" });
    const res = await post(s, "/auth/verify", { method: "totp", code: "123456" }, cookieOf(first, "__Host-session-pw"));
    expect(res.status).toBe(502);
    expect(cookieOf(res, "__Host-session")).toBeUndefined();
  });

  it("M02 sealed pending cookies: replaying an older value gives no more tries than the account's code limit", async () => {
    const s = setup({ store: "cookie", auth: { secondFactor: { require: "always" } }, limits: { account: 4 } });
    const calls = withFactors(s.fake, () => ({ sub: "alice", amr: ["pwd", "totp", "mfa"] }));
    const first = await post(s, "/auth/login", { username: "alice", password: "pw-alice" });
    const original = cookieOf(first, "__Host-session-pw") as string;
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Always the value from before any wrong code: its own count is 0 every time.
      const res = await post(s, "/auth/verify", { method: "totp", code: String(200000 + i) }, original);
      statuses.push(res.status);
    }
    expect(calls.length).toBe(4);
    expect(statuses.slice(4).every((st) => st === 429)).toBe(true);
    // The right code is refused too while the account's code window is full: nothing reaches Transmit.
    expect((await post(s, "/auth/verify", { method: "totp", code: "123456" }, original)).status).toBe(429);
    expect(calls.length).toBe(4);
  });
});
