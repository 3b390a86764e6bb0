// Runs the built library under Deno and Bun (`pnpm test:deno`, `pnpm test:bun`): the in-process emulator must work
// on every runtime with only Web APIs. Exits non-zero on the first failed check.
import { createLocalJWKSet, jwtVerify } from "jose";
import { createEmulator, isEmulatedDrop } from "../dist/index.js";

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
