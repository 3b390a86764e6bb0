import { beforeEach, describe, expect, it } from "vitest";
import { api, clientToken, json, login, makeEmulator, PASSWORD } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});

const STRONG = "Brand-New-Password-9!";
const REDIRECT = "https://app.example.com/reset-password";
const sendLink = (body: Record<string, unknown>) =>
  api(emulator, "eu", "/v1/auth/password/reset/email/link", { redirect_uri: REDIRECT, ...body }, token);
const sendCode = (body: Record<string, unknown>) =>
  api(emulator, "eu", "/v1/auth/password/reset/email/otp", body, token);
const validate = (body: Record<string, unknown>) =>
  api(emulator, "eu", "/v1/auth/password/reset/email/otp/validate", body, token);
const reset = (reset_token: unknown, new_password = STRONG) =>
  api(emulator, "eu", "/v1/auth/password/reset", { reset_token, new_password }, token);
const errorCodeOf = async (res: Response) => ((await json(res)) as { error_code: unknown }).error_code;
/** The code of the last message in the outbox. */
const lastCode = () => emulator.outbox().at(-1)?.code as string;

describe("reset by email link", () => {
  it("answers 200 {message} and puts an email with redirect_uri?code=... in the outbox", async () => {
    const res = await sendLink({ username: "alice" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "Reset password email sent" });
    const [message] = emulator.outbox();
    expect(message).toMatchObject({
      region: "eu",
      channel: "email",
      to: "alice@example.com",
      kind: "password_reset_link",
      user_id: "demo-eu-alice",
      subject: "Reset your password",
      code: expect.any(String),
      time: expect.any(String),
      expires_at: expect.any(String),
    });
    const link = new URL(message?.link ?? "");
    expect(`${link.origin}${link.pathname}`).toBe(REDIRECT);
    expect(link.searchParams.get("code")).toBe(message?.code);
    expect(Date.parse(message?.expires_at ?? "") - Date.parse(message?.time ?? "")).toBe(5 * 60_000);
  });

  it("finds the user by email too, keeps the redirect URI's own query, and uses email_content.subject", async () => {
    await sendLink({
      email: "ALICE@example.com",
      redirect_uri: `${REDIRECT}?lang=fr`,
      email_content: { subject: "Réinitialiser" },
    });
    const message = emulator.outbox()[0];
    const link = new URL(message?.link ?? "");
    expect(link.searchParams.get("lang")).toBe("fr");
    expect(link.searchParams.get("code")).toBe(message?.code);
    expect(message?.subject).toBe("Réinitialiser");
  });

  it("the link's code is the reset token: it sets a new password once", async () => {
    await sendLink({ username: "alice" });
    const code = new URL(emulator.outbox()[0]?.link ?? "").searchParams.get("code");
    const first = await reset(code);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ message: "Password changed successfully", email: "alice@example.com" });
    expect((await login(emulator, token, { username: "alice", password: STRONG })).status).toBe(200);
    const again = await reset(code, "Another-Password-8!");
    expect(again.status).toBe(403);
  });

  it("the code stops working after resetValidityMinutes on the emulator clock", async () => {
    await sendLink({ username: "alice" });
    const code = lastCode();
    emulator.advanceClock(5 * 60 + 1);
    token = await clientToken(emulator);
    expect((await reset(code)).status).toBe(403);
    expect((await login(emulator, token, { username: "alice", password: PASSWORD })).status).toBe(200);
  });

  it("a new password rejected by the policy does not use the code up", async () => {
    await sendLink({ username: "alice" });
    expect((await reset(lastCode(), "weak")).status).toBe(400);
    expect((await reset(lastCode())).status).toBe(200);
  });

  it("answers 404 for an unknown user (Transmit's documented answer) and sends nothing", async () => {
    for (const body of [{ username: "nobody" }, { email: "nobody@example.com" }]) {
      const res = await sendLink(body);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: "User not found", error_code: 404 });
    }
    expect(emulator.outbox()).toEqual([]);
  });

  it("answers 403 for a user without an email address", async () => {
    await emulator.addUser("eu", { username: "no-mail", password: "x" });
    const res = await sendLink({ username: "no-mail" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: "User email is not verified", error_code: 403 });
  });

  it("answers 400 for both or neither identifier, a missing or bad redirect_uri, email_content without subject", async () => {
    for (const body of [
      { username: "alice", email: "alice@example.com" },
      {},
      { username: "alice", redirect_uri: "not a url" },
      { username: "alice", redirect_uri: undefined },
      { username: "alice", email_content: { bodyText: "hi" } },
    ]) {
      const res = await sendLink(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json(res)).error_code).toBe(400);
    }
  });

  it('with resetLinkCode "opaque" the code is a short stand-in that works once as reset_token', async () => {
    const opaque = makeEmulator({ regions: ["eu"], resetLinkCode: "opaque" });
    const t = await clientToken(opaque);
    await api(opaque, "eu", "/v1/auth/password/reset/email/link", { username: "alice", redirect_uri: REDIRECT }, t);
    const code = opaque.outbox()[0]?.code ?? "";
    expect(code.split(".")).toHaveLength(1);
    const use = () =>
      api(opaque, "eu", "/v1/auth/password/reset", { reset_token: code, new_password: STRONG }, t).then(
        (r) => r.status,
      );
    expect(await use()).toBe(200);
    expect(await use()).toBe(403);
  });
});

describe("reset by email one-time code", () => {
  it("emails a code of codeLength digits and answers {message}", async () => {
    const res = await sendCode({ email: "alice@example.com" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "Email Sent" });
    expect(emulator.outbox()).toEqual([
      expect.objectContaining({
        channel: "email",
        to: "alice@example.com",
        kind: "password_reset_code",
        code: expect.stringMatching(/^\d{6}$/),
      }),
    ]);
    const eight = makeEmulator({ regions: ["eu"], policy: { codeLength: 8 } });
    await api(
      eight,
      "eu",
      "/v1/auth/password/reset/email/otp",
      { email: "alice@example.com" },
      await clientToken(eight),
    );
    expect(eight.outbox()[0]?.code).toMatch(/^\d{8}$/);
  });

  it("validate answers {result: reset token}, usable at /password/reset; the code works once", async () => {
    await sendCode({ email: "alice@example.com" });
    const code = lastCode();
    const res = await validate({ email: "alice@example.com", passcode: code });
    expect(res.status).toBe(200);
    const { result } = (await res.json()) as { result: string };
    expect(result.split(".")).toHaveLength(3);
    expect((await reset(result)).status).toBe(200);
    const again = await validate({ email: "alice@example.com", passcode: code });
    expect(again.status).toBe(403);
  });

  it("answers 403 auth_invalid_credentials for a wrong code; maxCodeFailures lock the user out for a while", async () => {
    await sendCode({ email: "alice@example.com" });
    const code = lastCode();
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const res = await validate({ email: "alice@example.com", passcode: wrong });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error_code: "auth_invalid_credentials", message: expect.any(String) });
    }
    const locked = await validate({ email: "alice@example.com", passcode: code });
    expect(locked.status).toBe(403);
    expect(((await json(locked)) as { error_code: string }).error_code).toBe("auth_locked");
    // A new code does not lift the lockout; codeLockoutMinutes later a new code works.
    await sendCode({ email: "alice@example.com" });
    expect(await errorCodeOf(await validate({ email: "alice@example.com", passcode: lastCode() }))).toBe("auth_locked");
    emulator.advanceClock(15 * 60);
    token = await clientToken(emulator);
    expect(await errorCodeOf(await validate({ email: "alice@example.com", passcode: lastCode() }))).toBe(
      "auth_invalid_credentials",
    );
    await sendCode({ email: "alice@example.com" });
    expect((await validate({ email: "alice@example.com", passcode: lastCode() })).status).toBe(200);
  });

  it("a right code clears the count of wrong ones", async () => {
    for (let round = 0; round < 2; round++) {
      await sendCode({ email: "alice@example.com" });
      const code = lastCode();
      for (let i = 0; i < 4; i++)
        await validate({ email: "alice@example.com", passcode: code === "000000" ? "1" : "0" });
      expect((await validate({ email: "alice@example.com", passcode: code })).status).toBe(200);
    }
  });

  it("the code expires after resetValidityMinutes; a new code replaces the previous one", async () => {
    await sendCode({ email: "alice@example.com" });
    const old = lastCode();
    emulator.advanceClock(5 * 60);
    token = await clientToken(emulator);
    expect((await validate({ email: "alice@example.com", passcode: old })).status).toBe(403);
    await sendCode({ email: "alice@example.com" });
    const fresh = lastCode();
    if (old !== fresh) expect((await validate({ email: "alice@example.com", passcode: old })).status).toBe(403);
    expect((await validate({ email: "alice@example.com", passcode: fresh })).status).toBe(200);
  });

  it("answers 404 for an unknown email, on send and on validate", async () => {
    expect((await sendCode({ email: "nobody@example.com" })).status).toBe(404);
    const res = await validate({ email: "nobody@example.com", passcode: "123456" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: "User not found", error_code: 404 });
  });

  it("answers 400 for missing fields", async () => {
    expect((await sendCode({})).status).toBe(400);
    expect((await validate({ email: "alice@example.com" })).status).toBe(400);
    expect((await validate({ passcode: "123456" })).status).toBe(400);
  });
});
