/**
 * The account journey of the core client (`createAccountClient` of `@transmit-edge/core/account`, sharing a full
 * client's engine) against an in-process emulator, each flow end to end: sign-up then login,
 * forgot password by email link and by code, a one-time code and TOTP as second factors (`amr` gains `mfa`).
 */

import { createAccountClient } from "@transmit-edge/core/account";
import { createEmulator, DEMO_PASSWORD, DEMO_TOTP_SECRET, type Emulator, totpAt } from "@transmit-edge/emulator";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { clientFor, failure, NEW_PASSWORD } from "./helpers.ts";

const emulator: Emulator = createEmulator({ regions: ["eu"] });

beforeEach(async () => {
  await emulator.reset();
});

afterAll(() => emulator.close());

describe("sign-up", () => {
  it("creates a user with a permanent password who can log in at once", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    const user = await account.users.create({
      username: "newbie",
      email: "newbie@example.com",
      password: NEW_PASSWORD,
    });
    expect(user.userId).toEqual(expect.any(String));
    expect(user).toMatchObject({ username: "newbie", email: "newbie@example.com" });

    const tokens = await transmit.passwords.authenticate({ username: "newbie", password: NEW_PASSWORD });
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).sub).toBe(user.userId);
  });

  it("answers identifier_taken for a taken identifier and password_rejected for a weak password", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    expect((await failure(account.users.create({ username: "alice", password: NEW_PASSWORD }))).code).toBe(
      "identifier_taken",
    );
    expect((await failure(account.users.create({ username: "weakling", password: "short" }))).code).toBe(
      "password_rejected",
    );
    expect(emulator.requests({ route: "users.create" })).toHaveLength(2);
  });
});

describe("forgot password", () => {
  it("email link -> code from the outbox -> passwords.reset -> login with the new password", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    await account.passwords.sendResetEmail({
      email: "alice@example.com",
      redirectUri: "https://app.example.com/reset",
    });
    const [message] = emulator.outbox({ region: "eu", to: "alice@example.com" });
    expect(message?.kind).toBe("password_reset_link");
    const link = new URL(message?.link ?? "");
    expect(link.origin + link.pathname).toBe("https://app.example.com/reset");
    const code = link.searchParams.get("code");
    expect(code).toEqual(expect.any(String));

    await transmit.passwords.reset({ resetToken: code!, newPassword: NEW_PASSWORD });
    await transmit.passwords.authenticate({ username: "alice", password: NEW_PASSWORD });
    expect((await failure(transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD }))).code).toBe(
      "invalid_credentials",
    );
    // The link works once.
    expect((await failure(transmit.passwords.reset({ resetToken: code!, newPassword: `${NEW_PASSWORD}x` }))).code).toBe(
      "token_invalid",
    );
  });

  it("emailed reset code -> verifyResetCode -> passwords.reset -> login", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    await account.passwords.sendResetCode({ email: "alice@example.com" });
    const [message] = emulator.outbox({ region: "eu", to: "alice@example.com" });
    expect(message?.kind).toBe("password_reset_code");
    const wrong = message?.code === "000000" ? "111111" : "000000";
    expect(
      (await failure(account.passwords.verifyResetCode({ email: "alice@example.com", passcode: wrong }))).code,
    ).toBe("invalid_credentials");
    const { resetToken } = await account.passwords.verifyResetCode({
      email: "alice@example.com",
      passcode: message?.code ?? "",
    });
    await transmit.passwords.reset({ resetToken, newPassword: NEW_PASSWORD });
    await transmit.passwords.authenticate({ username: "alice", password: NEW_PASSWORD });
  });

  it("answers user_not_found for an unknown account (the caller answers its visitor the same)", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    const error = await failure(
      account.passwords.sendResetEmail({ username: "nobody", redirectUri: "https://app.example.com/reset" }),
    );
    expect(error.code).toBe("user_not_found");
    expect(emulator.outbox({ region: "eu" })).toHaveLength(0);
  });
});

describe("second factor", () => {
  it("password -> otp.send (email, code from the outbox) -> otp.authenticate with the session: amr has mfa", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    const first = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    expect((await transmit.tokens.verifyIdToken(first.idToken!)).amr).not.toContain("mfa");

    const sent = await account.otp.send({ channel: "email", identifierType: "username", identifier: "alice" });
    expect(sent.code).toBeUndefined();
    const [message] = emulator.outbox({ region: "eu", to: "alice@example.com" });
    expect(message?.kind).toBe("one_time_code");

    const tokens = await account.otp.authenticate({
      passcode: message?.code ?? "",
      identifierType: "username",
      identifier: "alice",
      sessionId: first.sessionId!,
    });
    expect(tokens.sessionId).toBe(first.sessionId);
    const claims = await transmit.tokens.verifyIdToken(tokens.idToken!);
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "eotp", "mfa"]));
    expect(claims.sub).toBe("demo-eu-alice");
  });

  it("otp.send direct hands the code over; a used code is invalid_credentials; a wrong session session_not_found", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    const first = await transmit.passwords.authenticate({ username: "alice", password: DEMO_PASSWORD });
    const { code } = await account.otp.send({
      channel: "direct",
      identifierType: "email",
      identifier: "alice@example.com",
    });
    expect(code).toMatch(/^\d+$/);
    const input = { passcode: code!, identifierType: "email", identifier: "alice@example.com" } as const;
    expect((await failure(account.otp.authenticate({ ...input, sessionId: "no-such-session" }))).code).toBe(
      "session_not_found",
    );
    const tokens = await account.otp.authenticate({ ...input, sessionId: first.sessionId! });
    expect((await transmit.tokens.verifyIdToken(tokens.idToken!)).amr).toContain("mfa");
    expect((await failure(account.otp.authenticate(input))).code).toBe("invalid_credentials");
    expect(emulator.outbox({ region: "eu" })).toHaveLength(0);
  });

  it("password -> totp.authenticate (tom's demo authenticator) with the session: amr has mfa", async () => {
    const transmit = clientFor(emulator);
    const account = createAccountClient(transmit);
    const first = await transmit.passwords.authenticate({
      username: "tom@example.com",
      usernameType: "email",
      password: DEMO_PASSWORD,
    });
    const token = await totpAt(DEMO_TOTP_SECRET, emulator.now());
    const tokens = await account.totp.authenticate({
      token,
      identifier: "tom@example.com",
      sessionId: first.sessionId!,
    });
    const claims = await transmit.tokens.verifyIdToken(tokens.idToken!);
    expect(claims.amr).toEqual(expect.arrayContaining(["pwd", "totp", "mfa"]));
    // A token works once.
    expect((await failure(account.totp.authenticate({ token, identifier: "tom@example.com" }))).code).toBe(
      "invalid_credentials",
    );
  });
});
