import fc from "fast-check";
import { describe, expect } from "vitest";
import { clientToken, FakeFetch, itEachEntry, userTokens } from "./helpers.ts";

describe("password passthrough (property)", () => {
  itEachEntry(
    "sends any non-empty password byte for byte, whatever its length or characters",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client } = makeClient(fake);
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: "grapheme", minLength: 1, maxLength: 300 }), async (password) => {
          await client.passwords.authenticate({ username: "alice", password });
          // Same UTF-16 code units after the JSON round trip = same bytes on the wire.
          const sent: unknown = JSON.parse(fake.calls.at(-1)?.body ?? "{}").password;
          expect(sent).toBe(password);
        }),
        { numRuns: 100 },
      );
    },
  );
});
