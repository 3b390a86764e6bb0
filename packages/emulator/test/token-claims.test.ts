// The documented claims of each token kind (docs/transmit-contract.md), and no token of one kind passes as another:
// the claims a relying party checks (client_id, tid, sub, aud) must be there, and be the documented ones.
import { beforeAll, describe, expect, it } from "vitest";
import { api, claimsOf, clientToken, json, login, makeEmulator, PASSWORD, tokenRequest } from "./helpers.js";

const emulator = makeEmulator();
let token: string;
beforeAll(async () => {
  token = await clientToken(emulator);
});

const USER_ACCESS_CLAIMS = [
  "sub",
  "iss",
  "iat",
  "exp",
  "aud",
  "scope",
  "roles",
  "tid",
  "client_id",
  "app_name",
  "app_id",
];

describe("documented token claims", () => {
  it("a user access token names the user (sub), this client (client_id), the tenant (tid) and the audience", async () => {
    const body = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    const access = claimsOf(body.access_token as string);
    expect(access).toMatchObject({
      sub: "demo-eu-alice",
      client_id: "demo-client-eu",
      tid: "demo-tenant-eu",
      aud: "userid-api",
      iss: "https://eu.userid.security",
    });
    // Only documented claim names (jti appears in the documented example).
    for (const name of Object.keys(access)) expect([...USER_ACCESS_CLAIMS, "jti"]).toContain(name);
    for (const name of USER_ACCESS_CLAIMS) expect(access).toHaveProperty(name);
  });

  it("a client access token has sub = client_id, and a user token of another client names that client", async () => {
    emulator.addClient("eu", { client_id: "other-app", client_secret: "other-secret" });
    const other = (
      await json(await emulator.fetch(tokenRequest("eu", { client_id: "other-app", client_secret: "other-secret" })))
    ).access_token as string;
    expect(claimsOf(other)).toMatchObject({ sub: "other-app", client_id: "other-app", tid: "demo-tenant-eu" });
    const body = await json(await login(emulator, other, { username: "alice", password: PASSWORD }));
    expect(claimsOf(body.access_token as string)).toMatchObject({ sub: "demo-eu-alice", client_id: "other-app" });
  });

  it("a reset token carries neither client_id nor aud", async () => {
    const body = await json(await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" }));
    const reset = claimsOf(body.reset_token as string);
    expect(reset.sub).toBe("demo-eu-tara");
    expect(reset).not.toHaveProperty("client_id");
    expect(reset).not.toHaveProperty("aud");
  });

  it("user access, ID and reset tokens are refused where a client token is needed", async () => {
    const alice = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    const tara = await json(await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" }));
    for (const bearer of [alice.access_token, alice.id_token, tara.reset_token] as string[]) {
      const res = await login(emulator, bearer, { username: "alice", password: PASSWORD });
      expect(res.status).toBe(401);
    }
  });

  it("a client token or a user access token is not a reset token", async () => {
    const alice = await json(await login(emulator, token, { username: "alice", password: PASSWORD }));
    for (const resetToken of [token, alice.access_token as string]) {
      const res = await api(
        emulator,
        "eu",
        "/v1/auth/password/reset",
        { reset_token: resetToken, new_password: "Brand-New-Horse-42!" },
        token,
      );
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
  });
});
