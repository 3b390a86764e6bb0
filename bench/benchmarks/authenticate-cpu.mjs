// (1) CPU cost of `passwords.authenticate` per call, with an in-process fetch that answers instantly, against the
// same wire request written by hand (`fetch` + `JSON.parse`). Both use the same fake fetch, in the same process,
// interleaved round by round; the client token is already cached (the steady state of a login server).
import { createTransmitClient } from "@transmit-edge/core";
import { createFakeTransmit, FAKE_CLIENT, FAKE_ROOT } from "../lib/fake-transmit.mjs";
import { compareSideBySide } from "../lib/stats.mjs";

const INPUT = { username: "alice", password: "Correct-Horse-7!" };
const URL = `${FAKE_ROOT}/cis/v1/auth/password/authenticate`;

export const title = "passwords.authenticate CPU per call";

export async function run({ progress, quick }) {
  const fake = createFakeTransmit();
  const client = createTransmitClient({ baseUrl: FAKE_ROOT, region: "eu", ...FAKE_CLIENT, fetch: fake.fetch });
  const clientToken = await client.clientAccessToken();

  // What a careful hand-written call sends and checks: the same headers and JSON body, parse, look at the token.
  const byHand = async (signal) => {
    const res = await fake.fetch(URL, {
      method: "POST",
      headers: {
        authorization: `Bearer ${clientToken}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ username: INPUT.username, password: INPUT.password }),
      redirect: "manual",
      ...(signal && { signal }),
    });
    const json = JSON.parse(await res.text());
    if (res.status !== 200 || typeof json.access_token !== "string") throw new Error("unexpected answer");
    return json;
  };
  const rounds = quick ? 2 : 5;
  const plain = await compareSideBySide({
    ours: () => client.passwords.authenticate(INPUT),
    reference: () => byHand(undefined),
    rounds,
    timeMs: quick ? 300 : 1000,
    onRound: (r, n) => progress(`vs fetch + JSON.parse: round ${r}/${n}`),
  });
  // Like for like: a hand-written call with a deadline, as our client always has (10 s by default).
  const withDeadline = await compareSideBySide({
    ours: () => client.passwords.authenticate(INPUT),
    reference: () => byHand(AbortSignal.timeout(10_000)),
    rounds,
    timeMs: quick ? 300 : 1000,
    onRound: (r, n) => progress(`vs fetch + JSON.parse + AbortSignal.timeout: round ${r}/${n}`),
  });
  const us = (ms) => `${(ms * 1000).toFixed(2)} µs`;
  const row = (what, result, target) => ({
    what,
    ours: `${us(result.ours.p50Ms)} p50, ${us(result.ours.p99Ms)} p99`,
    reference: `${us(result.reference.p50Ms)} p50, ${us(result.reference.p99Ms)} p99`,
    ratio: result.latencyRatio,
    ratioText: `${result.latencyRatio.toFixed(2)}x`,
    target: target ? "<= 1.10x" : "(info)",
    pass: target ? result.latencyRatio <= 1.1 : null,
    data: result,
  });
  return [
    row("passwords.authenticate CPU per call vs hand-written fetch + JSON.parse", plain, true),
    row(
      "same, reference with a 10 s AbortSignal.timeout (like for like: our calls always have a deadline)",
      withDeadline,
      false,
    ),
  ];
}
