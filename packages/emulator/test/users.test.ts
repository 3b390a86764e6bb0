import { beforeEach, describe, expect, it } from "vitest";
import { api, clientToken, json, login, makeEmulator } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});
const STRONG = "Strong-Password-42!";
const create = (body: unknown) => api(emulator, "eu", "/v1/users", body, token);
const register = (id: string, body: unknown) => api(emulator, "eu", `/v1/users/${id}/password`, body, token);
const update = (id: string, body: unknown) => api(emulator, "eu", `/v1/users/${id}/password`, body, token, "PUT");

describe("create user", () => {
  it("answers 201 {result: User} and the user can log in with a non-temporary password", async () => {
    const res = await create({
      username: "zoe",
      email: "zoe@example.com",
      credentials: { password: STRONG, force_replace: false },
    });
    expect(res.status).toBe(201);
    const { result } = (await res.json()) as { result: Record<string, unknown> };
    expect(result).toMatchObject({
      user_id: expect.any(String),
      username: "zoe",
      email: { value: "zoe@example.com" },
      status: "Active",
      password_information: { temporary: false, expired: false },
    });
    expect((await login(emulator, token, { username: "zoe", password: STRONG })).status).toBe(200);
  });

  it("makes the password temporary by default (force_replace defaults to true)", async () => {
    await create({ username: "zoe", credentials: { password: STRONG } });
    const res = await login(emulator, token, { username: "zoe", password: STRONG });
    expect(res.status).toBe(403);
    expect((await json(res)).message).toBe("temporary_password");
  });

  it("answers 409 when the username or email is taken", async () => {
    expect((await create({ username: "alice" })).status).toBe(409);
    const dupEmail = await create({ email: "ALICE@example.com" });
    expect(dupEmail.status).toBe(409);
    expect(await dupEmail.json()).toMatchObject({ error_code: 409, message: expect.any(String) });
  });

  it("rejects a password that breaks the complexity policy or minimum length with 400", async () => {
    for (const password of ["Short-1!", "alllowercaseletters", "NoDigitsOrSymbolsHere"]) {
      const res = await create({ username: `weak${password.length}`, credentials: { password } });
      expect(res.status).toBe(400);
      expect(Array.isArray((await json(res)).message)).toBe(true);
    }
  });

  it("rejects a body without any identifier or with a malformed email", async () => {
    expect((await create({ name: { first_name: "x" } })).status).toBe(400);
    expect((await create({ email: "not-an-email" })).status).toBe(400);
    expect((await create({ username: "x", credentials: { force_replace: false } })).status).toBe(400);
  });
});

describe("register a password (POST /v1/users/{id}/password)", () => {
  async function userWithoutPassword(): Promise<string> {
    const res = await create({ email: "nopass@example.com" });
    return ((await json(res)).result as { user_id: string }).user_id;
  }

  it("answers 201 Password registered; the email becomes the username when none is given", async () => {
    const id = await userWithoutPassword();
    const res = await register(id, { password: STRONG, force_replace: false });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ result: { message: "Password registered" } });
    expect((await login(emulator, token, { username: "nopass@example.com", password: STRONG })).status).toBe(200);
  });

  it("sets a new username when given", async () => {
    const id = await userWithoutPassword();
    await register(id, { password: STRONG, username: "np", force_replace: false });
    expect((await login(emulator, token, { username: "np", password: STRONG })).status).toBe(200);
  });

  it("answers 404 for an unknown user and 409 when a password exists", async () => {
    expect((await register("nobody", { password: STRONG })).status).toBe(404);
    const conflict = await register("demo-eu-alice", { password: STRONG });
    expect(conflict.status).toBe(409);
  });

  it("skips complexity with enforce_complexity: false", async () => {
    const id = await userWithoutPassword();
    expect((await register(id, { password: "weak" })).status).toBe(400);
    expect((await register(id, { password: "weak", enforce_complexity: false })).status).toBe(201);
  });
});

describe("update a password (PUT /v1/users/{id}/password)", () => {
  it("answers 200 and the new password works with force_replace: false", async () => {
    const res = await update("demo-eu-alice", { password: STRONG, force_replace: false });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { message: "Password updated" } });
    expect((await login(emulator, token, { username: "alice", password: STRONG })).status).toBe(200);
  });

  it("makes the new password temporary by default", async () => {
    await update("demo-eu-alice", { password: STRONG });
    expect((await login(emulator, token, { username: "alice", password: STRONG })).status).toBe(403);
  });

  it("answers 400 for a weak password, 404 for an unknown user, 409 without a password", async () => {
    expect((await update("demo-eu-alice", { password: "weak" })).status).toBe(400);
    expect((await update("nobody", { password: STRONG })).status).toBe(404);
    const created = await json(await create({ email: "np2@example.com" }));
    const id = (created.result as { user_id: string }).user_id;
    expect((await update(id, { password: STRONG })).status).toBe(409);
  });
});
