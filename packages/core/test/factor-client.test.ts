// createFactorClient (`@transmit-edge/core/account`): the second factor's calls only (otp, totp), with the same
// requests, answers and once-sent rule as createAccountClient's, from options or sharing a full client's engine.
import { describe, expect, it } from "vitest";
import { createAccountClient, createFactorClient } from "../src/account-client.ts";
import { createTransmitClient, TransmitError } from "../src/index.ts";
import { caught, clientToken, EU_ROOT, FakeFetch, json, makeClient, text, userTokens } from "./helpers.ts";

describe("createFactorClient", () => {
  it("has otp and totp only (sign-up and forgot password stay out of its bundle)", () => {
    const { client } = makeClient(new FakeFetch(), {}, createFactorClient);
    expect(Object.keys(client).sort()).toEqual(["otp", "totp"]);
    expect(Object.keys(client.otp).sort()).toEqual(["authenticate", "send"]);
    expect(Object.keys(client.totp)).toEqual(["authenticate"]);
  });

  for (const [entry, create] of [
    ["from options", createFactorClient],
    [
      "sharing a full client",
      (o: Parameters<typeof createTransmitClient>[0]) => createFactorClient(createTransmitClient(o)),
    ],
  ] as const) {
    it(`${entry}: sends the same requests as createAccountClient and returns the same token set`, async () => {
      const calls: string[] = [];
      for (const make of [create, createAccountClient] as const) {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on("/otp/send", json({ message: "sent" }))
          .on("/totp/authenticate", userTokens());
        const { client } = makeClient(fake, {}, make as typeof createFactorClient);
        await client.otp.send({ channel: "email", identifierType: "user_id", identifier: "u-1" });
        const tokens = await client.totp.authenticate({ token: "123456", identifier: "u-1", sessionId: "s-1" });
        expect(tokens.accessToken).toBe("user-access-token");
        expect(fake.to("/totp/authenticate")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/totp/authenticate`);
        calls.push(JSON.stringify(fake.calls.map((c) => [c.url, c.body])));
      }
      expect(calls[0]).toBe(calls[1]);
    });
  }

  it("never resends a code check that may have reached Transmit (a 502 is returned, one call)", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/authenticate", text("x", 502));
    const { client } = makeClient(fake, {}, createFactorClient);
    const error = await caught(() =>
      client.otp.authenticate({ passcode: "482913", identifierType: "user_id", identifier: "u-1", sessionId: "s" }),
    );
    expect(error).toBeInstanceOf(TransmitError);
    expect((error as TransmitError).code).toBe("upstream_unavailable");
    expect(fake.to("/otp/authenticate")).toHaveLength(1);
  });
});
