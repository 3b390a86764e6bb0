// Runs the built library under Deno and Bun (`pnpm test:deno`, `pnpm test:bun`): the in-process emulator must work
// on every runtime with only Web APIs. Exits non-zero on the first failed check.
import { createLocalJWKSet, jwtVerify } from "jose";
import { createEmulator, DEMO_TOTP_SECRET, isEmulatedDrop, totpAt } from "../dist/index.js";

const origin = "http://emulator.test";
const emulator = createEmulator({ regions: ["eu"], origin });
const failures = [];
function check(name, ok) {
  if (!ok) failures.push(name);
}

const tokenRes = await emulator.fetch(
  new Request(`${origin}/eu/oidc/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: "demo-client-eu",
      client_secret: "demo-secret-eu",
    }),
  }),
);
check("client credentials token 200", tokenRes.status === 200);
const { access_token: clientToken } = await tokenRes.json();

const login = (password, signal) =>
  emulator.fetch(
    new Request(`${origin}/eu/cis/v1/auth/password/authenticate`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${clientToken}` },
      body: JSON.stringify({ username: "alice", password }),
      signal,
    }),
  );

const ok = await login("Correct-Horse-7!");
check("password authenticate 200", ok.status === 200);
const { id_token } = await ok.json();
const jwks = createLocalJWKSet(await (await emulator.fetch(new Request(`${origin}/eu/cis/oidc/jwks`))).json());
const { payload } = await jwtVerify(id_token, jwks, {
  issuer: "https://eu.userid.security",
  audience: "demo-client-eu",
});
check("ID token verifies against the JWKS", payload.sub === "demo-eu-alice");

check("wrong password 401", (await login("nope")).status === 401);

// Second factors: TOTP (HMAC-SHA1 through WebCrypto) and a one-time code, both into the password login's session.
const call = (path, body) =>
  emulator.fetch(
    new Request(`${origin}/eu/cis${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${clientToken}` },
      body: JSON.stringify(body),
    }),
  );
const tom = await (
  await call("/v1/auth/password/authenticate", { username: "tom", password: "Correct-Horse-7!" })
).json();
const totp = await call("/v1/auth/totp/authenticate", {
  identifier: "tom@example.com",
  token: await totpAt(DEMO_TOTP_SECRET, emulator.now()),
  session_id: tom.session_id,
});
const totpTokens = await totp.json();
const totpClaims = JSON.parse(atob(totpTokens.id_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
check("TOTP as a second factor gives amr mfa", totp.status === 200 && totpClaims.amr.includes("mfa"));
await call("/v1/auth/otp/send", { channel: "email", identifier_type: "username", identifier: "alice" });
const code = emulator.outbox().at(-1)?.code;
const otp = await call("/v1/auth/otp/authenticate", {
  identifier_type: "username",
  identifier: "alice",
  passcode: code,
});
check("emailed one-time code signs in", otp.status === 200);

emulator.injectFault({ route: "password.authenticate", drop: "before" });
const dropped = await login("Correct-Horse-7!").catch((e) => e);
check("drop rejects with a TypeError", dropped instanceof TypeError && isEmulatedDrop(dropped));

emulator.injectFault({ route: "password.authenticate", hang: true });
const hung = await login("Correct-Horse-7!", AbortSignal.timeout(50)).catch((e) => e);
check("hang ends when the caller aborts", hung?.name === "TimeoutError" || hung?.name === "AbortError");

emulator.close();
const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
if (failures.length > 0) {
  console.error(`runtime smoke (${runtime}) failed: ${failures.join(", ")}`);
  throw new Error("runtime smoke failed");
}
console.log(`runtime smoke (${runtime}): ok`);
