import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, totpAt } from "../src/index.js";
import { base32Decode, base32Encode } from "../src/totp.js";
import { api, claimsOf, clientToken, json, login, makeEmulator, ORIGIN } from "./helpers.js";

// A fixed wall clock in the middle of a 30-second step, so "now" never straddles a step boundary mid-test.
const START = Date.UTC(2030, 0, 1, 12, 0, 15);
const emulator = makeEmulator({ regions: ["eu"], now: () => START });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});

const TOM = { identifier: "tom@example.com" };
const authenticate = (body: Record<string, unknown>) => api(emulator, "eu", "/v1/auth/totp/authenticate", body, token);
const tokenAt = (offsetSeconds = 0) => totpAt(DEMO_TOTP_SECRET, emulator.now() + offsetSeconds * 1000);
const errorCode = async (res: Response) => ((await json(res)) as { error_code: unknown }).error_code;

describe("TOTP algorithm", () => {
  it("matches the RFC 6238 appendix B test vectors (HMAC-SHA1, 8 digits)", async () => {
    const secret = base32Encode(new TextEncoder().encode("12345678901234567890"));
    const vectors: [number, string][] = [
      [59, "94287082"],
      [1111111109, "07081804"],
      [1111111111, "14050471"],
      [1234567890, "89005924"],
      [2000000000, "69279037"],
      [20000000000, "65353130"],
    ];
    for (const [seconds, expected] of vectors) expect(await totpAt(secret, seconds * 1000, 8)).toBe(expected);
    expect(await totpAt(secret, 59_000)).toBe("287082");
  });

  it("round-trips base32 and rejects what is not base32", () => {
    const bytes = crypto.getRandomValues(new Uint8Array(20));
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
    expect(base32Decode("jbsw y3dp ehpk 3pxp")).toEqual(base32Decode("JBSWY3DPEHPK3PXP"));
    expect(base32Decode("not-base32!")).toBeUndefined();
  });
});

describe("TOTP authenticate", () => {
  it("returns the token set for the current token; identifier_type defaults to email; amr totp", async () => {
    const res = await authenticate({ ...TOM, token: await tokenAt() });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      access_token: expect.any(String),
      id_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: "Bearer",
      expires_in: 3600,
      session_id: expect.any(String),
    });
    expect(claimsOf(body.id_token as string)).toMatchObject({ sub: "demo-eu-tom", amr: ["totp"] });
  });

  it("with the password login's session_id: same session, amr pwd, totp, mfa", async () => {
    const first = await json(await login(emulator, token, { username: "tom", password: DEMO_PASSWORD }));
    const res = await authenticate({
      identifier_type: "username",
      identifier: "tom",
      token: await tokenAt(),
      session_id: first.session_id,
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.session_id).toBe(first.session_id);
    expect(claimsOf(body.id_token as string).amr).toEqual(["pwd", "totp", "mfa"]);
  });

  it("accepts the previous step as documented, not the next one or two steps back", async () => {
    for (const offset of [-60, 30, 60]) {
      const res = await authenticate({ ...TOM, token: await tokenAt(offset) });
      expect(res.status, `offset ${offset}s`).toBe(400);
    }
    expect((await authenticate({ ...TOM, token: await tokenAt(-30) })).status).toBe(200);
  });

  it("the window is configurable: totpFutureSteps 1 and totpWindowSteps 1 give ±1 step", async () => {
    const drift = makeEmulator({ regions: ["eu"], now: () => START, codes: { totpFutureSteps: 1 } });
    const t = await clientToken(drift);
    const at = async (offset: number) =>
      (
        await api(
          drift,
          "eu",
          "/v1/auth/totp/authenticate",
          { ...TOM, token: await totpAt(DEMO_TOTP_SECRET, START + offset * 1000) },
          t,
        )
      ).status;
    expect(await at(60)).toBe(400);
    expect(await at(-30)).toBe(200);
    expect(await at(30)).toBe(200);
    const strict = makeEmulator({ regions: ["eu"], now: () => START, codes: { totpWindowSteps: 0 } });
    const s = await clientToken(strict);
    const previous = { ...TOM, token: await totpAt(DEMO_TOTP_SECRET, START - 30_000) };
    expect((await api(strict, "eu", "/v1/auth/totp/authenticate", previous, s)).status).toBe(400);
  });

  it("follows the emulator's movable clock", async () => {
    const old = await tokenAt();
    emulator.advanceClock(90);
    token = await clientToken(emulator);
    expect((await authenticate({ ...TOM, token: old })).status).toBe(400);
    expect((await authenticate({ ...TOM, token: await tokenAt() })).status).toBe(200);
  });

  it("accepts a token once (no replay within its window)", async () => {
    const current = await tokenAt();
    expect((await authenticate({ ...TOM, token: current })).status).toBe(200);
    const replay = await authenticate({ ...TOM, token: current });
    expect(replay.status).toBe(400);
    expect(await errorCode(replay)).toBe("auth_invalid_credentials");
  });

  it("locks after maxTotpFailures wrong tokens, for totpLockoutMinutes", async () => {
    const right = await tokenAt();
    const wrong = right === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) expect((await authenticate({ ...TOM, token: wrong })).status).toBe(400);
    const locked = await authenticate({ ...TOM, token: right });
    expect(locked.status).toBe(403);
    expect(await errorCode(locked)).toBe("auth_locked");
    emulator.advanceClock(15 * 60);
    token = await clientToken(emulator);
    expect((await authenticate({ ...TOM, token: await tokenAt() })).status).toBe(200);
  });

  it("answers alike for an unknown user, a user without TOTP and a wrong token", async () => {
    const answers = await Promise.all(
      [
        { identifier: "nobody@example.com", token: "123456" },
        { identifier: "alice@example.com", token: await tokenAt() },
        { ...TOM, token: "12345" },
      ].map(async (body) => {
        const res = await authenticate(body);
        return [res.status, await res.text()];
      }),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]?.[0]).toBe(400);
  });

  it("answers 400 for missing fields, an unknown identifier type, an unknown session", async () => {
    for (const body of [{ ...TOM }, { token: "123456" }, { ...TOM, token: "123456", identifier_type: "shoe" }]) {
      const res = await authenticate(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Array.isArray((await json(res)).message)).toBe(true);
    }
    const res = await authenticate({ ...TOM, token: await tokenAt(), session_id: "nope" });
    expect(await res.json()).toEqual({ message: "Session not found", error_code: 400 });
  });
});

describe("TOTP registration (control API, inferred)", () => {
  const register = (path: string, body?: unknown) =>
    emulator.fetch(
      new Request(`${ORIGIN}/__emulator${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );

  it("registers a fresh secret for a user, who can then authenticate with it", async () => {
    const res = await register("/eu/users/demo-eu-alice/totp");
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user_id: string; secret: string; uri: string };
    expect(body.user_id).toBe("demo-eu-alice");
    expect(base32Decode(body.secret)?.length).toBe(20);
    const uri = new URL(body.uri);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("secret")).toBe(body.secret);
    const ok = await authenticate({
      identifier: "alice@example.com",
      token: await totpAt(body.secret, emulator.now()),
    });
    expect(ok.status).toBe(200);
  });

  it("takes a given secret, rejects a bad one, 404s an unknown user, and can remove it", async () => {
    expect((await register("/eu/users/demo-eu-alice/totp", { secret: DEMO_TOTP_SECRET })).status).toBe(201);
    expect((await authenticate({ identifier: "alice@example.com", token: await tokenAt() })).status).toBe(200);
    expect((await register("/eu/users/demo-eu-alice/totp", { secret: "short" })).status).toBe(400);
    expect((await register("/eu/users/nobody/totp")).status).toBe(404);
    expect((await register("/mars/users/demo-eu-alice/totp")).status).toBe(404);
    const removed = await emulator.fetch(
      new Request(`${ORIGIN}/__emulator/eu/users/demo-eu-alice/totp`, { method: "DELETE" }),
    );
    expect(removed.status).toBe(204);
    emulator.advanceClock(30);
    expect((await authenticate({ identifier: "alice@example.com", token: await tokenAt() })).status).toBe(400);
  });

  it("registerTotp() does the same in-process; seeds and info carry totp_secret", async () => {
    const secret = await emulator.registerTotp("eu", "demo-eu-sam");
    expect(
      (
        await authenticate({
          identifier: "sam",
          identifier_type: "username",
          token: await totpAt(secret, emulator.now()),
        })
      ).status,
    ).toBe(200);
    await expect(emulator.registerTotp("eu", "nobody")).rejects.toThrow(/nobody/);
    expect(emulator.region("eu").users).toContainEqual(
      expect.objectContaining({ username: "tom", totp_secret: DEMO_TOTP_SECRET }),
    );
    expect(() => makeEmulator({ seed: { eu: { users: [{ username: "x", totp_secret: "!!" }] } } })).toThrow(
      /totp_secret/,
    );
  });
});
