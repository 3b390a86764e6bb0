import { beforeEach, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, login, makeEmulator, PASSWORD } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});

const ALICE = { identifier_type: "email", identifier: "alice@example.com" };
const send = (body: Record<string, unknown>) => api(emulator, "eu", "/v1/auth/otp/send", body, token);
const authenticate = (body: Record<string, unknown>) => api(emulator, "eu", "/v1/auth/otp/authenticate", body, token);
const lastCode = () => emulator.outbox().at(-1)?.code as string;
const wrongFor = (code: string) => (code === "000000" ? "111111" : "000000");
const errorCode = async (res: Response) => ((await json(res)) as { error_code: unknown }).error_code;

describe("OTP send", () => {
  it("emails a code (outbox) and answers {message}", async () => {
    const res = await send({ channel: "email", ...ALICE });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "OTP sent" });
    expect(emulator.outbox()).toEqual([
      expect.objectContaining({
        channel: "email",
        to: "alice@example.com",
        kind: "one_time_code",
        user_id: "demo-eu-alice",
        code: expect.stringMatching(/^\d{6}$/),
      }),
    ]);
  });

  it("texts a code to the user's phone number, found by any identifier type", async () => {
    for (const [identifier_type, identifier] of [
      ["username", "sam"],
      ["phone_number", "+15550100002"],
      ["user_id", "demo-eu-sam"],
    ]) {
      expect((await send({ channel: "sms", identifier_type, identifier })).status).toBe(200);
    }
    const sms = emulator.outbox();
    expect(sms).toHaveLength(3);
    for (const m of sms) expect(m).toMatchObject({ channel: "sms", to: "+15550100002", kind: "one_time_code" });
    expect(sms[0]).not.toHaveProperty("subject");
  });

  it('channel "direct" answers with the code and sends nothing', async () => {
    const res = await send({ channel: "direct", ...ALICE, approval_data: { sum: "200" } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toEqual({
      message: "OTP sent",
      approval_data: { sum: "200" },
      code: expect.stringMatching(/^\d{6}$/),
    });
    expect(emulator.outbox()).toEqual([]);
    expect((await authenticate({ ...ALICE, passcode: body.code })).status).toBe(200);
  });

  it("sends to custom_email / custom_phone_number when given", async () => {
    await send({ channel: "email", ...ALICE, custom_email: "other@example.com" });
    await send({ channel: "sms", ...ALICE, custom_phone_number: "+15550109999" });
    expect(emulator.outbox().map((m) => m.to)).toEqual(["other@example.com", "+15550109999"]);
  });

  it("answers 404 user_not_found, user_phone_number_missing and user_email_address_missing", async () => {
    const unknown = await send({ channel: "email", identifier_type: "email", identifier: "nobody@example.com" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error_code: "user_not_found", message: expect.any(String) });
    const noPhone = await send({ channel: "sms", identifier_type: "username", identifier: "tom" });
    expect(noPhone.status).toBe(404);
    expect(await errorCode(noPhone)).toBe("user_phone_number_missing");
    await emulator.addUser("eu", { username: "no-mail", password: "x" });
    const noMail = await send({ channel: "email", identifier_type: "username", identifier: "no-mail" });
    expect(await errorCode(noMail)).toBe("user_email_address_missing");
    expect(emulator.outbox()).toEqual([]);
  });

  it("answers 400 for a missing field, an unknown channel or identifier type, a bad expires_in", async () => {
    for (const body of [
      { ...ALICE },
      { channel: "email", identifier: "alice@example.com" },
      { channel: "pigeon", ...ALICE },
      { channel: "email", identifier_type: "shoe_size", identifier: "42" },
      { channel: "email", ...ALICE, expires_in: 0 },
      { channel: "email", ...ALICE, expires_in: "5" },
    ]) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Array.isArray((await json(res)).message)).toBe(true);
    }
  });

  it("uses the configured code length", async () => {
    const long = makeEmulator({ regions: ["eu"], codes: { otpLength: 8 } });
    const res = await api(long, "eu", "/v1/auth/otp/send", { channel: "direct", ...ALICE }, await clientToken(long));
    expect((await json(res)).code).toMatch(/^\d{8}$/);
  });
});

describe("OTP authenticate", () => {
  it("returns the token set with a new session; the ID token's amr is eotp for an emailed code", async () => {
    await send({ channel: "email", ...ALICE });
    const res = await authenticate({ ...ALICE, passcode: lastCode() });
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
    expect(claimsOf(body.id_token as string)).toMatchObject({ sub: "demo-eu-alice", amr: ["eotp"] });
  });

  it("with the password login's session_id: same session, amr gains the method and mfa", async () => {
    const first = await json(await login(emulator, token, { username: "sam", password: PASSWORD }));
    expect(claimsOf(first.id_token as string).amr).toEqual(["pwd"]);
    await send({ channel: "sms", identifier_type: "username", identifier: "sam" });
    const res = await authenticate({
      identifier_type: "username",
      identifier: "sam",
      passcode: lastCode(),
      session_id: first.session_id,
      claims: { id_token: { phone_number: null } },
    });
    expect(res.status).toBe(200);
    const second = await json(res);
    expect(second.session_id).toBe(first.session_id);
    expect(claimsOf(second.id_token as string)).toMatchObject({
      sub: "demo-eu-sam",
      amr: ["pwd", "sms", "mfa"],
      phone_number: "+15550100002",
    });
    // The session now carries mfa for silent authentication too.
    const silent = await json(
      await api(emulator, "eu", "/v1/auth/session/authenticate", { session_id: first.session_id }, token),
    );
    expect(claimsOf(silent.id_token as string).amr).toContain("mfa");
  });

  it("answers 400 Session not found for an unknown session or another user's, without using the code", async () => {
    const bob = await json(await login(emulator, token, { username: "sam", password: PASSWORD }));
    await send({ channel: "email", ...ALICE });
    const code = lastCode();
    for (const session_id of ["nope", bob.session_id]) {
      const res = await authenticate({ ...ALICE, passcode: code, session_id });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ message: "Session not found", error_code: 400 });
    }
    expect((await authenticate({ ...ALICE, passcode: code })).status).toBe(200);
  });

  it("a code works once", async () => {
    await send({ channel: "email", ...ALICE });
    const code = lastCode();
    expect((await authenticate({ ...ALICE, passcode: code })).status).toBe(200);
    const again = await authenticate({ ...ALICE, passcode: code });
    expect(again.status).toBe(400);
    expect(await errorCode(again)).toBe("auth_invalid_credentials");
  });

  it("answers 400 auth_invalid_credentials for a wrong code, then 403 auth_locked for codeLockoutMinutes", async () => {
    await send({ channel: "email", ...ALICE });
    const code = lastCode();
    for (let i = 0; i < 5; i++) {
      const res = await authenticate({ ...ALICE, passcode: wrongFor(code) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error_code: "auth_invalid_credentials", message: expect.any(String) });
    }
    const locked = await authenticate({ ...ALICE, passcode: code });
    expect(locked.status).toBe(403);
    expect(await locked.json()).toEqual({ error_code: "auth_locked", message: expect.any(String) });
    await send({ channel: "email", ...ALICE });
    expect((await authenticate({ ...ALICE, passcode: lastCode() })).status).toBe(403);
    emulator.advanceClock(15 * 60);
    token = await clientToken(emulator);
    // The code dropped by the lockout is gone: a new one is needed.
    await send({ channel: "email", ...ALICE });
    expect((await authenticate({ ...ALICE, passcode: lastCode() })).status).toBe(200);
  });

  it("locks one user only, and one purpose only", async () => {
    await send({ channel: "email", ...ALICE });
    for (let i = 0; i < 5; i++) await authenticate({ ...ALICE, passcode: wrongFor(lastCode()) });
    await send({ channel: "sms", identifier_type: "username", identifier: "sam" });
    const sam = await authenticate({ identifier_type: "username", identifier: "sam", passcode: lastCode() });
    expect(sam.status).toBe(200);
    await api(emulator, "eu", "/v1/auth/password/reset/email/otp", { email: "alice@example.com" }, token);
    const reset = await api(
      emulator,
      "eu",
      "/v1/auth/password/reset/email/otp/validate",
      { email: "alice@example.com", passcode: lastCode() },
      token,
    );
    expect(reset.status).toBe(200);
  });

  it("the wrong-try limit and lockout are configurable", async () => {
    const strict = makeEmulator({ regions: ["eu"], codes: { maxCodeFailures: 1 } });
    const t = await clientToken(strict);
    const code = (await json(await api(strict, "eu", "/v1/auth/otp/send", { channel: "direct", ...ALICE }, t)))
      .code as string;
    await api(strict, "eu", "/v1/auth/otp/authenticate", { ...ALICE, passcode: wrongFor(code) }, t);
    const res = await api(strict, "eu", "/v1/auth/otp/authenticate", { ...ALICE, passcode: code }, t);
    expect(res.status).toBe(403);
  });

  it("answers 400 auth_otp_passcode_expired after otpValidityMinutes, or the request's expires_in", async () => {
    await send({ channel: "email", ...ALICE });
    emulator.advanceClock(5 * 60 - 1);
    token = await clientToken(emulator);
    const code = lastCode();
    await send({ channel: "email", ...ALICE, expires_in: 1 });
    emulator.advanceClock(60);
    token = await clientToken(emulator);
    const expired = await authenticate({ ...ALICE, passcode: lastCode() });
    expect(expired.status).toBe(400);
    expect(await errorCode(expired)).toBe("auth_otp_passcode_expired");
    // The first code was replaced by the second.
    if (code !== lastCode())
      expect(await errorCode(await authenticate({ ...ALICE, passcode: code }))).toBe("auth_otp_passcode_expired");
  });

  it("answers 400 auth_invalid_credentials for an unknown user or a user without a pending code", async () => {
    for (const body of [
      { identifier_type: "email", identifier: "nobody@example.com", passcode: "123456" },
      { ...ALICE, passcode: "123456" },
    ]) {
      const res = await authenticate(body);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("auth_invalid_credentials");
    }
  });

  it("answers 400 for missing fields or an unknown identifier type", async () => {
    for (const body of [{ ...ALICE }, { identifier: "alice@example.com", passcode: "1" }, { ...ALICE, passcode: 1 }]) {
      expect((await authenticate(body)).status, JSON.stringify(body)).toBe(400);
    }
    const res = await authenticate({ identifier_type: "nickname", identifier: "al", passcode: "123456" });
    expect((await json(res)).error_code).toBe(400);
  });

  it("a code sent directly gives amr otp", async () => {
    const code = (await json(await send({ channel: "direct", ...ALICE }))).code;
    const body = await json(await authenticate({ ...ALICE, passcode: code }));
    expect(claimsOf(body.id_token as string).amr).toEqual(["otp"]);
  });
});
