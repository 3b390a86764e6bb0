import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api, clientToken, json, login, makeEmulator, PASSWORD } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
const MIN = 60;
beforeAll(async () => {
  token = await clientToken(emulator);
});
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});

const wrong = () => login(emulator, token, { username: "alice", password: "Wrong-Password-1!" });
const right = () => login(emulator, token, { username: "alice", password: PASSWORD });
const locked = { error_code: "auth_locked", message: expect.any(String) };

describe("lockout", () => {
  it("locks the user after maxPasswordFailures (5) wrong passwords, even for the right password", async () => {
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    const res = await right();
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(locked);
  });

  it("unlocks after passwordSuspensionDuration (15 min) on the emulator clock", async () => {
    for (let i = 0; i < 5; i++) await wrong();
    emulator.advanceClock(14 * MIN);
    token = await clientToken(emulator);
    expect((await right()).status).toBe(403);
    emulator.advanceClock(MIN + 1);
    expect((await right()).status).toBe(200);
  });

  it("forgets failures older than failuresExpireIn (15 min)", async () => {
    for (let i = 0; i < 4; i++) await wrong();
    emulator.advanceClock(15 * MIN + 1);
    token = await clientToken(emulator);
    expect((await wrong()).status).toBe(401);
    expect((await right()).status).toBe(200);
  });

  it("resets the failure count after a successful login", async () => {
    for (let i = 0; i < 4; i++) await wrong();
    expect((await right()).status).toBe(200);
    for (let i = 0; i < 4; i++) await wrong();
    expect((await right()).status).toBe(200);
  });

  it("locks unknown identifiers the same way, so lockout does not reveal who exists", async () => {
    for (let i = 0; i < 5; i++) await login(emulator, token, { username: "ghost", password: "x" });
    const res = await login(emulator, token, { username: "ghost", password: "x" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual(locked);
  });

  it("follows a configured policy", async () => {
    const strict = makeEmulator({ regions: ["eu"], policy: { maxPasswordFailures: 2 } });
    const t = await clientToken(strict);
    await login(strict, t, { username: "alice", password: "bad" });
    await login(strict, t, { username: "alice", password: "bad" });
    expect((await login(strict, t, { username: "alice", password: PASSWORD })).status).toBe(403);
  });
});

describe("temporary and expired passwords", () => {
  it("answers 403 temporary_password with a reset token, and the reset flow makes login work", async () => {
    const res = await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" });
    expect(res.status).toBe(403);
    const body = await json(res);
    expect(body).toEqual({ message: "temporary_password", error_code: 403, reset_token: expect.any(String) });
    const reset = await api(
      emulator,
      "eu",
      "/v1/auth/password/reset",
      {
        reset_token: body.reset_token,
        new_password: "Brand-New-Pass-1!",
      },
      token,
    );
    expect(reset.status).toBe(200);
    expect(await reset.json()).toMatchObject({ message: "Password changed successfully", email: "tara@example.com" });
    expect((await login(emulator, token, { username: "tara", password: "Brand-New-Pass-1!" })).status).toBe(200);
    expect((await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" })).status).toBe(401);
  });

  it("answers 403 password_expired with a reset token for an expired password", async () => {
    const res = await login(emulator, token, { username: "eddie", password: "Expired-Horse-9!" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: "password_expired", error_code: 403, reset_token: expect.any(String) });
  });

  it("expires passwords after passwordExpiresIn (90 days)", async () => {
    emulator.advanceClock(90 * 24 * 3600 + 1);
    token = await clientToken(emulator);
    const res = await right();
    expect(res.status).toBe(403);
    expect((await json(res)).message).toBe("password_expired");
  });

  it("expires temporary passwords after tempPasswordValidityHours", async () => {
    emulator.advanceClock(24 * 3600 + 1);
    token = await clientToken(emulator);
    const res = await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" });
    expect((await json(res)).message).toBe("password_expired");
  });

  it("does not reveal the password state for a wrong password", async () => {
    const res = await login(emulator, token, { username: "tara", password: "Wrong-Password-1!" });
    expect(res.status).toBe(401);
  });
});

describe("reset tokens", () => {
  async function resetToken(): Promise<string> {
    const res = await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" });
    return (await json(res)).reset_token as string;
  }
  const reset = (reset_token: string, new_password = "Brand-New-Pass-1!") =>
    api(emulator, "eu", "/v1/auth/password/reset", { reset_token, new_password }, token);

  it("works once only", async () => {
    const rt = await resetToken();
    expect((await reset(rt)).status).toBe(200);
    const again = await reset(rt, "Another-New-Pass-2!");
    expect(again.status).toBe(403);
    expect(await again.json()).toEqual({ message: "Invalid or expired reset token", error_code: 403 });
  });

  it("expires after resetValidityMinutes (5 min)", async () => {
    const rt = await resetToken();
    emulator.advanceClock(5 * MIN + 1);
    token = await clientToken(emulator);
    expect((await reset(rt)).status).toBe(403);
  });

  it("rejects a new password that breaks the policy with 400, and the token stays usable", async () => {
    const rt = await resetToken();
    const weak = await reset(rt, "short");
    expect(weak.status).toBe(400);
    const body = await json(weak);
    expect(body.error_code).toBe(400);
    expect(Array.isArray(body.message)).toBe(true);
    expect((await reset(rt)).status).toBe(200);
  });

  it("rejects a forged reset token", async () => {
    expect((await reset("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")).status).toBe(403);
  });
});
