/**
 * The core client against an in-process emulator (no socket): the whole login lifecycle, lockout, forced password
 * changes, sessions, refresh rotation, logout, client-token expiry and per-region token isolation.
 */
import { createEmulator, type Emulator } from "@transmit-edge/emulator";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  calls,
  clientFor,
  DEMO_EXPIRED_PASSWORD,
  DEMO_PASSWORD,
  DEMO_TEMPORARY_PASSWORD,
  failure,
  NEW_PASSWORD,
  REGIONS,
} from "./helpers.ts";

const emulator: Emulator = createEmulator({ regions: [...REGIONS] });

beforeEach(async () => {
  // Seeded users, no sessions, lockouts, faults or log, clock offset 0; the region keys are kept.
  await emulator.reset();
});

afterAll(() => emulator.close());

describe("login and token verification", () => {
  it("logs alice in and verifies her ID and access tokens with the EU issuer", async () => {
    const transmit = clientFor(emulator, "eu");
    const tokens = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });

    expect(tokens.tokenType).toBe("Bearer");
    expect(tokens.expiresIn).toBe(3600);
    expect(tokens.sessionId).toEqual(expect.any(String));
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(JSON.stringify(tokens)).not.toContain(tokens.accessToken);

    const id = await transmit.tokens.verifyIdToken(tokens.idToken!);
    expect(id.iss).toBe("https://eu.userid.security");
    expect(id.aud).toBe("demo-client-eu");
    expect(id.sub).toBe("demo-eu-alice");
    expect(id.amr).toContain("pwd");

    const access = await transmit.tokens.verifyAccessToken(tokens.accessToken, { audience: "userid-api" });
    expect(access.iss).toBe("https://eu.userid.security");
    expect(access.sub).toBe("demo-eu-alice");
    expect(calls(emulator, "jwks")).toBe(1); // one JWKS fetch, cached for both verifications
  });

  it("logs in by email and phone number with usernameType and returns requested claims", async () => {
    const transmit = clientFor(emulator, "eu");
    const byEmail = await transmit.passwords.authenticate({
      username: "alice@example.com",
      usernameType: "email",
      password: DEMO_PASSWORD,
      claims: { id_token: { email: null, username: null } },
    });
    const claims = await transmit.tokens.verifyIdToken(byEmail.idToken!);
    expect(claims).toMatchObject({ sub: "demo-eu-alice", email: "alice@example.com", username: "alice" });

    const byPhone = await transmit.passwords.authenticate({
      username: "+15550100001",
      usernameType: "phone_number",
      password: DEMO_PASSWORD,
    });
    expect((await transmit.tokens.verifyIdToken(byPhone.idToken!)).sub).toBe("demo-eu-alice");
  });

  it("sends passwords byte for byte: spaces and non-ASCII characters are neither trimmed nor normalised", async () => {
    const password = "  p\u00e4ssw\u00f6rd \u{1f434} ";
    await emulator.addUser("eu", { username: "unicode", password });
    const transmit = clientFor(emulator, "eu");
    await transmit.passwords.authenticate({ username: "unicode", password });
    for (const variant of [password.trim(), password.normalize("NFD")]) {
      expect((await failure(transmit.passwords.authenticate({ username: "unicode", password: variant }))).code).toBe(
        "invalid_credentials",
      );
    }
  });

  it("shares one client-token fetch between concurrent logins of a cold client", async () => {
    const transmit = clientFor(emulator, "eu");
    const logins = await Promise.all(
      Array.from({ length: 8 }, () => transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD })),
    );
    expect(new Set(logins.map((t) => t.sessionId)).size).toBe(8);
    expect(calls(emulator, "oidc.token")).toBe(1);
  });

  it("maps a resource the application is not configured for to invalid_request", async () => {
    const transmit = clientFor(emulator, "eu");
    const error = await failure(
      transmit.passwords.authenticate({
        username: "alice",
        password: DEMO_PASSWORD,
        resource: "https://other.example",
      }),
    );
    expect(error.code).toBe("invalid_request");
  });

  it("puts the requested resource in the access token audience", async () => {
    const transmit = clientFor(emulator, "eu");
    const tokens = await transmit.passwords.authenticate({
      username: "alice",
      password: DEMO_PASSWORD,
      resource: "https://api.example.com",
    });
    const claims = await transmit.tokens.verifyAccessToken(tokens.accessToken, { audience: "https://api.example.com" });
    expect(claims.aud).toBe("https://api.example.com");
    expect(
      (await failure(transmit.tokens.verifyAccessToken(tokens.accessToken, { audience: "userid-api" }))).code,
    ).toBe("token_invalid");
  });

  it("rejects an ID token presented as if issued to another client id", async () => {
    const transmit = clientFor(emulator, "eu");
    const tokens = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    emulator.addClient("eu", { client_id: "other-app", client_secret: "other-secret" });
    const other = clientFor(emulator, "eu", { clientId: "other-app", clientSecret: "other-secret" });
    expect((await failure(other.tokens.verifyIdToken(tokens.idToken!))).code).toBe("token_invalid");
  });
});

describe("credential failures", () => {
  it("answers an unknown user and a wrong password with the same invalid_credentials error", async () => {
    const transmit = clientFor(emulator, "eu");
    const unknown = await failure(transmit.passwords.authenticate({ username: "mallory", password: DEMO_PASSWORD }));
    const wrong = await failure(transmit.passwords.authenticate({ username: "alice", password: "Wrong-Horse-7!" }));

    expect(unknown.code).toBe("invalid_credentials");
    expect(wrong.code).toBe("invalid_credentials");
    expect(unknown.toJSON()).toEqual(wrong.toJSON());
    expect(calls(emulator, "password.authenticate")).toBe(2); // a credentials failure is never retried
  });

  it("rejects a bad client secret as unauthorized_client without calling the password endpoint", async () => {
    const transmit = clientFor(emulator, "eu", { clientSecret: "not-the-secret" });
    const error = await failure(transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }));
    expect(error.code).toBe("unauthorized_client");
    expect(calls(emulator, "password.authenticate")).toBe(0);
  });

  it("locks alice after 5 wrong passwords, even for the right one, until the suspension has passed", async () => {
    const transmit = clientFor(emulator, "eu");
    for (let i = 0; i < 5; i++) {
      const error = await failure(transmit.passwords.authenticate({ username: "alice", password: `Wrong-${i}` }));
      expect(error.code).toBe("invalid_credentials");
    }
    const locked = await failure(transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }));
    expect(locked.code).toBe("locked");
    expect(calls(emulator, "password.authenticate")).toBe(6);

    emulator.advanceClock(14 * 60);
    expect((await failure(transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }))).code).toBe(
      "locked",
    );

    emulator.advanceClock(61); // 15 min 1 s after the fifth failure
    const tokens = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe("demo-eu-alice");
  });

  it("forgets failures older than 15 minutes and after a successful login", async () => {
    const transmit = clientFor(emulator, "eu");
    const wrong = () => failure(transmit.passwords.authenticate({ username: "alice", password: "Wrong-Horse" }));
    for (let i = 0; i < 4; i++) await wrong();
    emulator.advanceClock(16 * 60);
    await wrong(); // the first four have expired: one counted failure
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }); // clears the count
    for (let i = 0; i < 4; i++) expect((await wrong()).code).toBe("invalid_credentials");
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
  });

  it("locks an unknown username the same way, so lockout does not reveal who exists", async () => {
    const transmit = clientFor(emulator, "eu");
    for (let i = 0; i < 5; i++) {
      await failure(transmit.passwords.authenticate({ username: "nobody", password: `Wrong-${i}` }));
    }
    expect((await failure(transmit.passwords.authenticate({ username: "nobody", password: "x" }))).code).toBe("locked");
  });
});

describe("forced password change", () => {
  it.each([
    ["tara", DEMO_TEMPORARY_PASSWORD, "temporary"],
    ["eddie", DEMO_EXPIRED_PASSWORD, "expired"],
  ])(
    "requires %s (%s password) to change it, then logs in with the new one; the reset token is single-use",
    async (username, password) => {
      const transmit = clientFor(emulator, "eu");
      const required = await failure(transmit.passwords.authenticate({ username, password }));
      expect(required.code).toBe("password_change_required");
      expect(required.resetToken).toEqual(expect.any(String));
      expect(JSON.stringify(required)).not.toContain(required.resetToken!);

      const result = await transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD });
      expect(result.message).toBe("Password changed successfully");

      const tokens = await transmit.passwords.authenticate({ username, password: NEW_PASSWORD });
      expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe(`demo-eu-${username}`);
      expect((await failure(transmit.passwords.authenticate({ username, password }))).code).toBe("invalid_credentials");

      const reused = await failure(
        transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: "Another-Battery-43!" }),
      );
      expect(reused.code).toBe("token_invalid");
    },
  );

  it("rejects a weak new password as password_rejected without using up the reset token", async () => {
    const transmit = clientFor(emulator, "eu");
    const required = await failure(
      transmit.passwords.authenticate({ username: "tara", password: DEMO_TEMPORARY_PASSWORD }),
    );
    const weak = await failure(transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: "short" }));
    expect(weak.code).toBe("password_rejected");
    await transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD });
  });

  it("rejects a reset token after its 5 minutes as token_invalid", async () => {
    const transmit = clientFor(emulator, "eu");
    const required = await failure(
      transmit.passwords.authenticate({ username: "tara", password: DEMO_TEMPORARY_PASSWORD }),
    );
    emulator.advanceClock(5 * 60 + 1);
    const expired = await failure(
      transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD }),
    );
    expect(expired.code).toBe("token_invalid");
  });
});

describe("sessions, refresh and logout", () => {
  it("authenticates silently into the session created by the login", async () => {
    const transmit = clientFor(emulator, "eu");
    const login = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    const silent = await transmit.sessions.authenticate({
      sessionId: login.sessionId!,
      claims: { id_token: { email: null } },
    });
    expect(silent.sessionId).toBe(login.sessionId);
    expect(silent.accessToken).not.toBe(login.accessToken);
    const claims = await transmit.tokens.verifyIdToken(silent.idToken!);
    expect(claims).toMatchObject({ sub: "demo-eu-alice", email: "alice@example.com" });
  });

  it("answers session authenticate for an unknown session with session_not_found", async () => {
    const transmit = clientFor(emulator, "eu");
    const error = await failure(transmit.sessions.authenticate({ sessionId: "no-such-session" }));
    expect(error.code).toBe("session_not_found");
  });

  it("rotates refresh tokens: the new one works, the rotated one fails with token_invalid", async () => {
    const transmit = clientFor(emulator, "eu");
    const login = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    const first = await transmit.tokens.refresh(login.refreshToken!);
    expect(first.sessionId).toBeUndefined();
    expect(first.refreshToken).toEqual(expect.any(String));
    expect(first.refreshToken).not.toBe(login.refreshToken);
    expect((await transmit.tokens.verifyIdToken(first.idToken!)).sub).toBe("demo-eu-alice");

    const reused = await failure(transmit.tokens.refresh(login.refreshToken!));
    expect(reused.code).toBe("token_invalid");

    const second = await transmit.tokens.refresh(first.refreshToken!);
    expect((await transmit.tokens.verifyAccessToken(second.accessToken)).sub).toBe("demo-eu-alice");
    expect(calls(emulator, "token.refresh")).toBe(3); // a rejected refresh token is never retried
  });

  it("logs out: the session is gone and its refresh token no longer works", async () => {
    const transmit = clientFor(emulator, "eu");
    const login = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    await transmit.sessions.logout(login.sessionId!);

    expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
      "session_not_found",
    );
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("token_invalid");
    expect((await failure(transmit.sessions.logout(login.sessionId!))).code).toBe("session_not_found");
  });
});

describe("expiry", () => {
  it("ends sessions and refresh tokens after two weeks without activity", async () => {
    const transmit = clientFor(emulator, "eu");
    const login = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    emulator.advanceClock(15 * 24 * 3600);
    expect((await failure(transmit.sessions.authenticate({ sessionId: login.sessionId! }))).code).toBe(
      "session_not_found",
    );
    expect((await failure(transmit.tokens.refresh(login.refreshToken!))).code).toBe("token_invalid");
  });

  it("requires a password change for a user created through POST /cis/v1/users (force_replace defaults to true)", async () => {
    const transmit = clientFor(emulator, "eu");
    const res = await emulator.fetch(
      new Request("http://127.0.0.1:4010/eu/cis/v1/users", {
        method: "POST",
        headers: { authorization: `Bearer ${await transmit.clientAccessToken()}`, "content-type": "application/json" },
        body: JSON.stringify({ username: "newbie", credentials: { password: "Newbie-Password-1!" } }),
      }),
    );
    expect(res.status).toBe(201);
    const required = await failure(
      transmit.passwords.authenticate({ username: "newbie", password: "Newbie-Password-1!" }),
    );
    expect(required.code).toBe("password_change_required");
    await transmit.passwords.reset({ resetToken: required.resetToken!, newPassword: NEW_PASSWORD });
    await transmit.passwords.authenticate({ username: "newbie", password: NEW_PASSWORD });
  });
});

describe("client access token", () => {
  it("refetches an expired client token transparently when the emulator rejects it (client clock unaware)", async () => {
    const transmit = clientFor(emulator, "eu");
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect(calls(emulator, "oidc.token")).toBe(1); // cached between calls

    emulator.advanceClock(2 * 3600);
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect(calls(emulator, "oidc.token")).toBe(2);
    // The rejected call (401 Invalid token, not processed) and its single retry with the new token.
    expect(emulator.requests({ route: "password.authenticate" }).map((c) => c.status)).toEqual([200, 200, 401, 200]);
  });

  it("refetches a client token it knows has expired before calling (shared clock)", async () => {
    const transmit = clientFor(emulator, "eu", { now: () => emulator.now() });
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    emulator.advanceClock(2 * 3600);
    const tokens = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect(calls(emulator, "oidc.token")).toBe(2);
    expect(calls(emulator, "password.authenticate")).toBe(2);
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe("demo-eu-alice");
  });

  it("uses the /cis/oidc/token alias when configured", async () => {
    const transmit = clientFor(emulator, "eu", { tokenPath: "/cis/oidc/token" });
    await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect(emulator.requests({ route: "oidc.token" }).map((c) => c.path)).toEqual(["/eu/cis/oidc/token"]);
  });
});

describe("regions", () => {
  it("verifies each region's tokens only with that region's client", async () => {
    const clients = Object.fromEntries(REGIONS.map((r) => [r, clientFor(emulator, r)]));
    for (const region of REGIONS) {
      const tokens = await clients[region]!.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
      const claims = await clients[region]!.tokens.verifyIdToken(tokens.idToken!);
      expect(claims.sub).toBe(`demo-${region}-alice`);
      for (const other of REGIONS.filter((r) => r !== region)) {
        const error = await failure(clients[other]!.tokens.verifyAccessToken(tokens.accessToken));
        expect(error.code, `${region} token on ${other} client`).toBe("token_invalid");
      }
    }
  });

  it("rejects an EU client token at the US endpoints as unauthorized_client, never as a credentials failure", async () => {
    // A US client whose token requests are answered by the EU region (a misrouted token endpoint).
    const us = clientFor(emulator, "us", {
      clientId: "demo-client-eu",
      clientSecret: "demo-secret-eu",
      fetch: (input, init) => emulator.fetch(new Request(input.replace("/us/oidc/token", "/eu/oidc/token"), init)),
    });
    const error = await failure(us.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }));
    expect(error.code).toBe("unauthorized_client");
    // Rejected, token replaced once, retried once: no lockout counted for alice.
    expect(calls(emulator, "oidc.token", "eu")).toBe(2);
    expect(emulator.requests({ route: "password.authenticate", region: "us" }).map((c) => c.status)).toEqual([
      401, 401,
    ]);
    const alice = await clientFor(emulator, "us").passwords.authenticate({
      username: "alice",
      password: DEMO_PASSWORD,
    });
    expect(alice.sessionId).toEqual(expect.any(String));
  });
});
