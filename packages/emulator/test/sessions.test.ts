import { beforeEach, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, login, makeEmulator, PASSWORD } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});

async function signIn(): Promise<Record<string, unknown>> {
  return json(await login(emulator, token, { username: "alice", password: PASSWORD }));
}
const refresh = (refresh_token: unknown) => api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token }, token);
const logout = (session_id: unknown) => api(emulator, "eu", "/v1/auth/session/logout", { session_id }, token);
const silent = (body: Record<string, unknown>) => api(emulator, "eu", "/v1/auth/session/authenticate", body, token);

describe("session authenticate", () => {
  it("issues new tokens for a live session, with the same session_id", async () => {
    const first = await signIn();
    const res = await silent({ session_id: first.session_id, claims: { id_token: { email: null } } });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600, session_id: first.session_id });
    expect(claimsOf(body.id_token as string)).toMatchObject({
      sub: "demo-eu-alice",
      amr: ["pwd"],
      email: "alice@example.com",
    });
  });

  it("answers 400 Session not found for an unknown session", async () => {
    const res = await silent({ session_id: "unknown" });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message: "Session not found", error_code: 400 });
  });

  it("expires sessions after 2 weeks without new tokens, and extends them when tokens are issued", async () => {
    const first = await signIn();
    emulator.advanceClock(13 * 24 * 3600);
    token = await clientToken(emulator);
    expect((await silent({ session_id: first.session_id })).status).toBe(200);
    emulator.advanceClock(13 * 24 * 3600);
    token = await clientToken(emulator);
    expect((await silent({ session_id: first.session_id })).status).toBe(200);
    emulator.advanceClock(14 * 24 * 3600 + 1);
    token = await clientToken(emulator);
    expect((await silent({ session_id: first.session_id })).status).toBe(400);
  });

  it("lists and revokes a user's sessions", async () => {
    const first = await signIn();
    const list = await api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, token, "GET");
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual([
      { session_id: first.session_id, start_time: expect.any(String), expiration_time: expect.any(String) },
    ]);
    const revoke = await api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, token, "DELETE");
    expect(revoke.status).toBe(204);
    expect((await silent({ session_id: first.session_id })).status).toBe(400);
    expect((await refresh(first.refresh_token)).status).toBe(400);
  });
});

describe("token refresh", () => {
  it("rotates the refresh token and omits session_id", async () => {
    const first = await signIn();
    const res = await refresh(first.refresh_token);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ access_token: expect.any(String), token_type: "Bearer", expires_in: 3600 });
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body).not.toHaveProperty("session_id");
  });

  it("rejects reuse of a rotated refresh token", async () => {
    const first = await signIn();
    const rotated = await json(await refresh(first.refresh_token));
    const reuse = await refresh(first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ message: "Invalid refresh token", error_code: 400 });
    expect((await refresh(rotated.refresh_token)).status).toBe(200);
  });

  it("rejects refresh tokens after 14 days", async () => {
    const first = await signIn();
    emulator.advanceClock(14 * 24 * 3600 + 1);
    token = await clientToken(emulator);
    expect((await refresh(first.refresh_token)).status).toBe(400);
  });

  it("rejects a refresh token of another client", async () => {
    const first = await signIn();
    emulator.addClient("eu", { client_id: "other", client_secret: "other-secret" });
    const res = await emulator.fetch(
      new Request("http://emulator.test/eu/oidc/token", {
        method: "POST",
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: "other",
          client_secret: "other-secret",
        }),
      }),
    );
    const other = (await json(res)).access_token as string;
    const call = await api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token: first.refresh_token }, other);
    expect(call.status).toBe(400);
  });
});

describe("session logout", () => {
  it("answers 204 with an empty body and revokes the session's refresh tokens", async () => {
    const first = await signIn();
    const res = await logout(first.session_id);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    expect((await refresh(first.refresh_token)).status).toBe(400);
    expect((await silent({ session_id: first.session_id })).status).toBe(400);
  });

  it("leaves other sessions alone", async () => {
    const a = await signIn();
    const b = await signIn();
    await logout(a.session_id);
    expect((await refresh(b.refresh_token)).status).toBe(200);
  });

  it("answers 400 Session not found for an unknown or already closed session", async () => {
    const first = await signIn();
    await logout(first.session_id);
    const again = await logout(first.session_id);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ message: "Session not found", error_code: 400 });
  });
});

describe("sessions API (/v1/sessions/{user_id})", () => {
  const list = (e = emulator, t = token) => api(e, "eu", "/v1/sessions/demo-eu-alice", undefined, t, "GET");
  const remove = (e = emulator, t = token) => api(e, "eu", "/v1/sessions/demo-eu-alice", undefined, t, "DELETE");

  it("by default sees no backend sessions, as documented: lists none and deletes none", async () => {
    const first = await signIn();
    const listed = await list();
    expect(listed.status).toBe(200);
    expect(await listed.json()).toEqual([]);
    const deleted = await remove();
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ result: { deleted_count: 0 } });
    expect((await silent({ session_id: first.session_id })).status).toBe(200);
  });

  it('with sessionsApiScope "all" lists the user\'s sessions and deletes them, revoking their refresh tokens', async () => {
    const all = makeEmulator({ regions: ["eu"], sessionsApiScope: "all" });
    const t = await clientToken(all);
    const a = await json(await login(all, t, { username: "alice", password: PASSWORD }));
    const b = await json(await login(all, t, { username: "alice", password: PASSWORD }));
    const other = await json(await login(all, t, { username: "sam", password: PASSWORD }));
    const listed = (await (await list(all, t)).json()) as Record<string, unknown>[];
    expect(listed).toHaveLength(2);
    expect(listed[0]).toEqual({
      user_id: "demo-eu-alice",
      session_id: a.session_id,
      client_id: "demo-client-eu",
      start_time: expect.any(String),
      expiration_time: expect.any(String),
    });
    expect(await (await remove(all, t)).json()).toEqual({ result: { deleted_count: 2 } });
    for (const s of [a, b]) {
      const res = await api(all, "eu", "/v1/auth/token/refresh", { refresh_token: s.refresh_token }, t);
      expect(res.status).toBe(400);
    }
    const kept = await api(all, "eu", "/v1/auth/session/authenticate", { session_id: other.session_id }, t);
    expect(kept.status).toBe(200);
    expect(await (await list(all, t)).json()).toEqual([]);
  });

  it("needs a client access token", async () => {
    expect((await list(emulator, "bad")).status).toBe(401);
    expect((await remove(emulator, "bad")).status).toBe(401);
  });
});
