// Fuzzing the router and guard on Node (fast-check, fixed seed, modest runs here; `pnpm fuzz` runs FUZZ_RUNS cases):
// hostile methods, paths, headers, cookies, content types and bodies against both session stores.
import { describe, expect, it } from "vitest";
import { fuzzRequests, runFuzz, toRequest } from "../../../../tools/fuzz-requests.ts";
import { ORIGIN, SECRET, setup } from "../helpers.ts";

// CI runs fewer cases (fixed seed) so that the property holds its time budget on two busy cores.
const RUNS = Number(process.env.FUZZ_RUNS) || (process.env.CI ? 60 : 200);
const SEED = Number(process.env.FUZZ_SEED) || 20261129;
const TIMEOUT = Number(process.env.FUZZ_TIMEOUT_MS) || 120_000;

const PATHS = ["/auth/login", "/auth/logout", "/auth/refresh", "/auth/session", "/auth/password", "/api/me"];

describe("fuzzing the router and guard (B01-B07, C03, E01)", () => {
  for (const store of ["memory", "cookie"] as const) {
    it(
      `B03 B05 C03 E01 arbitrary requests (${store} store): never a 5xx, no password, token, secret or session value in any answer, security headers on /auth, no prototype pollution`,
      async () => {
        const s = setup({ store });
        // The fake client's tokens are `at.<user>.<n>`, `id.`, `rt.`, and its Transmit session ids `ts.`.
        const secrets = [SECRET, "pw-alice", "pw-bob", "at.alice.", "id.alice.", "rt.alice.", "ts.alice."];
        const arbitrary = fuzzRequests({
          origin: ORIGIN,
          paths: PATHS,
          credentials: { username: "alice", password: "pw-alice" },
        });
        const { cases } = await runFuzz(
          `router-${store}`,
          { runs: RUNS, seed: SEED, chunk: 1000 },
          arbitrary,
          async (req) => s.app.fetch(toRequest(ORIGIN, req)),
          {
            allowed5xx: [],
            secrets,
            securityHeaders: (req) => new URL(`${ORIGIN}${req.path}`).pathname.startsWith("/auth/"),
          },
        );
        expect(cases).toBe(RUNS);
        expect(s.fake.count("authenticate")).toBeGreaterThan(0);
      },
      TIMEOUT,
    );
  }
});
