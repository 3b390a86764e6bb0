// 1,000 concurrent logins on a cold client-token cache: how many client-credentials requests reach Transmit?
// Web APIs only, so the same file runs under Node, Deno and Bun.
import { createTransmitClient } from "@transmit-edge/core";
import { createFakeTransmit, FAKE_CLIENT, FAKE_ROOT } from "./fake-transmit.mjs";

/**
 * Starts `logins` password logins at once on a new client (empty token cache). The fake token endpoint answers
 * after `tokenDelayMs`, so every login is already waiting when the first token arrives, as under real load.
 * @param {{ logins?: number, tokenDelayMs?: number }} [options]
 * @returns {Promise<{ logins: number, tokenRequests: number, loginRequests: number, succeeded: number }>}
 */
export async function concurrentColdLogins(options = {}) {
  const logins = options.logins ?? 1000;
  const fake = createFakeTransmit({ tokenDelayMs: options.tokenDelayMs ?? 20 });
  const client = createTransmitClient({ baseUrl: FAKE_ROOT, region: "eu", ...FAKE_CLIENT, fetch: fake.fetch });
  const results = await Promise.allSettled(
    Array.from({ length: logins }, (_, i) =>
      client.passwords.authenticate({ username: `user-${i}`, password: "Correct-Horse-7!" }),
    ),
  );
  return {
    logins,
    tokenRequests: fake.counts.token,
    loginRequests: fake.counts.login,
    succeeded: results.filter((r) => r.status === "fulfilled").length,
  };
}
