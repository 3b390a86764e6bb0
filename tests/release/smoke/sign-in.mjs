// The smoke test every runtime runs against the packed tarballs (copied into a throwaway project by tarballs.mjs):
// the core client signs alice in at the emulator and verifies her ID token, an unknown user is refused with a typed
// error, and a Hono app built from @transmit-edge/hono signs in through its router and passes its guard.
import { createTransmitClient, TransmitError } from "@transmit-edge/core";
import { memoryLimiter, memorySessionStore, transmitAuth } from "@transmit-edge/hono";
import { Hono } from "hono";

const PASSWORD = "Correct-Horse-7!";

function assert(ok, message) {
  if (!ok) throw new Error(`smoke: ${message}`);
}

/** Signs in against the emulator region at `root` (e.g. http://127.0.0.1:4010/eu); returns what it saw. */
export async function signIn(root) {
  const client = createTransmitClient({
    region: "eu",
    baseUrl: root,
    allowInsecureLoopback: true,
    clientId: "demo-client-eu",
    clientSecret: "demo-secret-eu",
  });

  const tokens = await client.passwords.authenticate({ username: "alice", password: PASSWORD });
  assert(typeof tokens.accessToken === "string" && tokens.idToken, "authenticate returned no tokens");
  const claims = await client.tokens.verifyIdToken(tokens.idToken);
  assert(claims.sub === "demo-eu-alice", `unexpected sub ${claims.sub}`);

  let refused;
  try {
    await client.passwords.authenticate({ username: "no-such-user", password: PASSWORD });
  } catch (error) {
    refused = error;
  }
  assert(refused instanceof TransmitError, "an unknown user did not throw a TransmitError");
  assert(refused.code === "invalid_credentials", `unknown user: ${refused.code}`);

  const auth = transmitAuth({
    client,
    sessions: memorySessionStore(),
    limiter: memoryLimiter(),
    userKeySecret: "release-smoke-user-key-secret-0123456789",
    // app.request() has no socket: a fixed peer address stands in for the runtime's getConnInfo.
    getIp: () => "192.0.2.10",
  });
  const app = new Hono();
  app.route("/auth", auth.routes());
  app.use("/api/*", auth.guard());
  app.get("/api/me", (c) => c.json({ userId: c.var.session.userId }));

  const origin = "https://app.example";
  const login = await app.request(`${origin}/auth/login`, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: JSON.stringify({ username: "alice", password: PASSWORD }),
  });
  assert(login.status === 200, `router login answered ${login.status}: ${await login.text()}`);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
  assert(cookie.startsWith("__Host-session="), "router login set no session cookie");
  const me = await app.request(`${origin}/api/me`, { headers: { cookie } });
  assert(me.status === 200, `guarded route answered ${me.status}`);
  const { userId } = await me.json();
  assert(userId === "demo-eu-alice", `guarded route saw ${userId}`);
  assert((await app.request(`${origin}/api/me`)).status === 401, "guard let a request without a cookie through");

  return { sub: claims.sub, userId };
}
