import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, login, makeEmulator, PASSWORD } from "./helpers.js";

const emulator = makeEmulator();
let token: string;
beforeAll(async () => {
  token = await clientToken(emulator);
});
beforeEach(() => emulator.reset());

describe("password authenticate", () => {
  it("returns the documented token set with a session_id for the right password", async () => {
    const res = await login(emulator, token, { username: "alice", password: PASSWORD });
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
  });

  it("issues an ID token with aud = client_id, amr pwd, sub, tid, auth_time", async () => {
    const body = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    const id = claimsOf(body.id_token as string);
    expect(id).toMatchObject({
      aud: "demo-client-eu",
      sub: "demo-eu-alice",
      tid: "demo-tenant-eu",
      iss: "https://eu.userid.security",
      amr: ["pwd"],
      auth_time: expect.any(Number),
    });
    const access = claimsOf(body.access_token as string);
    expect(access).toMatchObject({ aud: "userid-api", sub: "demo-eu-alice", client_id: "demo-client-eu" });
  });

  it("adds requested claims to the ID token", async () => {
    const body = await json(
      await login(emulator, token, {
        username: "alice",
        password: PASSWORD,
        claims: { id_token: { email: null, username: null, roles: null } },
      }),
    );
    expect(claimsOf(body.id_token as string)).toMatchObject({
      email: "alice@example.com",
      username: "alice",
      roles: ["demo-user"],
    });
  });

  it("puts a configured resource in the access token aud", async () => {
    const body = await json(
      await login(emulator, token, { username: "alice", password: PASSWORD, resource: "https://api.example.com" }),
    );
    expect(claimsOf(body.access_token as string).aud).toBe("https://api.example.com");
  });

  it("finds users by email and phone number with username_type", async () => {
    const byEmail = await login(emulator, token, {
      username: "ALICE@example.com",
      password: PASSWORD,
      username_type: "email",
    });
    expect(byEmail.status).toBe(200);
    const byPhone = await login(emulator, token, {
      username: "+15550100001",
      password: PASSWORD,
      username_type: "phone_number",
    });
    expect(byPhone.status).toBe(200);
    const wrongType = await login(emulator, token, { username: "alice@example.com", password: PASSWORD });
    expect(wrongType.status).toBe(401);
  });

  it("answers an unknown user exactly like a wrong password", async () => {
    const wrong = await login(emulator, token, { username: "alice", password: "Wrong-Password-1!" });
    const unknown = await login(emulator, token, { username: "nobody", password: "Wrong-Password-1!" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(await unknown.text()).toBe(await wrong.text());
    expect([...unknown.headers.keys()].sort()).toEqual([...wrong.headers.keys()].sort());
  });

  it("attaches to an existing session when session_id is given", async () => {
    const first = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    const second = await json(
      await login(emulator, token, { username: "alice", password: PASSWORD, session_id: first.session_id }),
    );
    expect(second.session_id).toBe(first.session_id);
  });

  it("answers 400 Session not found for an unknown session_id", async () => {
    const res = await login(emulator, token, { username: "alice", password: PASSWORD, session_id: "nope" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Session not found", error_code: 400 });
  });

  it("answers 400 with a message array for missing fields and wrong types", async () => {
    const missing = await login(emulator, token, { username: "alice" });
    expect(missing.status).toBe(400);
    const body = await json(missing);
    expect(body.error_code).toBe(400);
    expect(body.message).toEqual(expect.arrayContaining([expect.stringContaining("password")]));
    const wrongType = await login(emulator, token, { username: 42, password: PASSWORD });
    expect(wrongType.status).toBe(400);
    const badEnum = await login(emulator, token, { username: "alice", password: PASSWORD, username_type: "nick" });
    expect(badEnum.status).toBe(400);
  });

  it("requires a JSON content type, like the real service", async () => {
    const res = await api(emulator, "eu", "/v1/auth/password/authenticate", undefined, token, "POST", {
      headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" },
      body: JSON.stringify({ username: "alice", password: PASSWORD }),
    });
    expect(res.status).toBe(400);
  });

  it("keeps each region's users separate", async () => {
    const usToken = await clientToken(emulator, "us");
    const body = await json(await login(emulator, usToken, { username: "alice", password: PASSWORD }, "us"));
    expect(claimsOf(body.id_token as string)).toMatchObject({ sub: "demo-us-alice", iss: "https://userid.security" });
  });
});
