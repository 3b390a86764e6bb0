// (3) `tokens.verifyIdToken` with a warm JWKS against `jose.jwtVerify` with a local key set, same token, same
// checks (RS256, iss, aud, exp), same process, interleaved rounds.
import { createTransmitClient } from "@transmit-edge/core";
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from "jose";
import { FAKE_CLIENT, FAKE_ROOT } from "../lib/fake-transmit.mjs";
import { compareSideBySide } from "../lib/stats.mjs";

export const title = "tokens.verifyIdToken vs jose.jwtVerify";
const ISSUER = "https://eu.userid.security";

export async function run({ progress, quick }) {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { modulusLength: 2048 });
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "bench-key", alg: "RS256", use: "sig" }] };
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ sub: "demo-eu-alice", email: "alice@example.com" })
    .setProtectedHeader({ alg: "RS256", kid: "bench-key", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(FAKE_CLIENT.clientId)
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  const jwksBody = JSON.stringify(jwks);
  const client = createTransmitClient({
    region: "eu",
    baseUrl: FAKE_ROOT,
    ...FAKE_CLIENT,
    fetch: async () => new Response(jwksBody, { status: 200, headers: { "content-type": "application/json" } }),
  });
  await client.tokens.verifyIdToken(jwt); // warm JWKS
  const local = createLocalJWKSet(jwks);
  const options = { issuer: ISSUER, audience: FAKE_CLIENT.clientId, algorithms: ["RS256"], requiredClaims: ["exp"] };
  const result = await compareSideBySide({
    ours: () => client.tokens.verifyIdToken(jwt),
    reference: () => jwtVerify(jwt, local, options),
    rounds: quick ? 2 : 5,
    timeMs: quick ? 300 : 1000,
    onRound: (r, n) => progress(`round ${r}/${n}`),
  });
  const ops = (n) => `${Math.round(n).toLocaleString("en-US")} ops/s`;
  const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
  return [
    {
      what: "tokens.verifyIdToken (warm JWKS) vs jose.jwtVerify (local key set), RS256",
      ours: `${ops(result.ours.opsPerSec)} (${us(result.ours.p50Ms)} p50, ${us(result.ours.p99Ms)} p99)`,
      reference: `${ops(result.reference.opsPerSec)} (${us(result.reference.p50Ms)} p50, ${us(result.reference.p99Ms)} p99)`,
      ratio: result.throughputRatio,
      ratioText: `${result.throughputRatio.toFixed(2)}x ops/s`,
      target: ">= 0.90x ops/s (median)",
      pass: result.throughputRatio >= 0.9,
      data: result,
    },
  ];
}
