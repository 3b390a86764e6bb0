// Fuzzing the whole Worker inside workerd (real Durable Objects and Rate Limiting binding, emulator in the isolate):
// hostile methods, paths, headers, cookies, content types and bodies. Fixed seed and a modest case count here;
// `pnpm fuzz` runs the same property with FUZZ_RUNS cases.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fuzzRequests, runFuzz, toRequest } from "../../../tools/fuzz-requests.ts";
import { ALICE, harness, ORIGIN } from "./helpers.ts";

const vars = env as unknown as { FUZZ_RUNS?: string; FUZZ_SEED?: string };
const RUNS = Number(vars.FUZZ_RUNS) || 100;
const SEED = Number(vars.FUZZ_SEED) || 20261129;
/** Generous: CI runs every suite at once on two cores. */
const TIMEOUT_MS = RUNS > 1000 ? 3_600_000 : 60_000;

describe("fuzzing the Worker (B01-B07, C03, E01, E02)", () => {
  it(
    "B03 B05 C03 E01 arbitrary requests: no undocumented 5xx, no secret or token in any answer, security headers on every answer, no prototype pollution",
    async () => {
      const h = await harness();
      const secrets = [
        h.env.SESSION_SECRET as unknown as string,
        ...["US", "EU", "CA", "AU"].map(
          (r) => (h.env as unknown as Record<string, string>)[`TRANSMIT_${r}_CLIENT_SECRET`]!,
        ),
        ALICE.password,
      ];
      const arbitrary = fuzzRequests({
        origin: ORIGIN,
        paths: [
          "/auth/login",
          "/auth/logout",
          "/auth/refresh",
          "/auth/session",
          "/auth/password",
          "/api/me",
          "/login",
          "/password",
          "/",
        ],
        credentials: ALICE,
      });
      const { cases } = await runFuzz(
        "worker",
        { runs: RUNS, seed: SEED, chunk: 500 },
        arbitrary,
        (req) => h.send(toRequest(ORIGIN, req)),
        { allowed5xx: [502, 503, 504], secrets, securityHeaders: () => true },
      );
      expect(cases).toBe(RUNS);
      // The run reached Transmit: some generated logins were good enough to be checked upstream.
      expect(h.calls("password.authenticate")).toBeGreaterThan(0);
    },
    TIMEOUT_MS,
  );
});
