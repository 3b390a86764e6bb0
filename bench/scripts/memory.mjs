// Run with `node --expose-gc`: heap growth after 100,000 `passwords.authenticate` calls against the in-process
// fake, measured after forced garbage collection. Prints one JSON line.
import { createTransmitClient } from "@transmit-edge/core";
import { createFakeTransmit, FAKE_CLIENT, FAKE_ROOT } from "../lib/fake-transmit.mjs";

if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
const CALLS = Number(process.argv[2] ?? 100_000);
const input = { username: "alice", password: "Correct-Horse-7!" };
const fake = createFakeTransmit();
const client = createTransmitClient({ baseUrl: FAKE_ROOT, region: "eu", ...FAKE_CLIENT, fetch: fake.fetch });

async function settledHeap() {
  // Several passes with turns of the event loop in between, so finalizers and weak references are processed.
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().heapUsed;
}

for (let i = 0; i < 2_000; i++) await client.passwords.authenticate(input); // warm-up: code, caches, token
const before = await settledHeap();
const started = performance.now();
for (let i = 0; i < CALLS; i++) await client.passwords.authenticate(input);
const elapsedMs = performance.now() - started;
const after = await settledHeap();
console.log(JSON.stringify({ calls: CALLS, heapBefore: before, heapAfter: after, growth: after - before, elapsedMs }));
