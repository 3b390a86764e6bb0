// Sign-up, forgot password by email, one-time codes and TOTP (src/account.ts, entry `@transmit-edge/core/account`):
// request shapes, answers, error codes, no resend once a password or code may have reached Transmit, and redaction of
// codes and tokens. Every test runs twice: an account client from options, and one sharing a full client's engine.
import { describe, expect, it } from "vitest";
import { createAccountClient } from "../src/account-client.ts";
import type { TransmitClientOptions } from "../src/index.ts";
import { createTransmitClient, TransmitError, type TransmitEvent } from "../src/index.ts";
import {
  CLIENT_SECRET,
  caught,
  clientToken,
  EU_ROOT,
  FakeFetch,
  hang,
  json,
  makeClient,
  networkError,
  text,
  userTokens,
} from "./helpers.ts";

const PASSWORD = "Sentinel-Password-77!";
const PASSCODE = "482913";
const INVALID_TOKEN = json({ message: "Invalid token", error_code: 401 }, 401);
const created = json(
  {
    result: {
      user_id: "u-1",
      username: "ann",
      email: { value: "ann@example.com", email_verified: false },
      status: "Active",
    },
  },
  201,
);

async function codeOf(call: () => Promise<unknown>): Promise<string> {
  const error = await caught(call);
  expect(error).toBeInstanceOf(TransmitError);
  return (error as TransmitError).code;
}

/** Nothing a test sent as a secret appears in events or in the error's serialisations. */
function expectNoSecrets(values: unknown[], secrets: string[]): void {
  const dump = JSON.stringify(values) + values.map(String).join(" ");
  for (const secret of secrets) expect(dump.includes(secret)).toBe(false);
}

/** The two ways to an account client, each run through every test below. */
const ACCOUNT_ENTRIES = [
  ["createAccountClient(options)", createAccountClient],
  [
    "createAccountClient(createTransmitClient(options))",
    (options) => createAccountClient(createTransmitClient(options)),
  ],
] as const satisfies readonly (readonly [string, (options: TransmitClientOptions) => unknown])[];

for (const [entry, create] of ACCOUNT_ENTRIES) {
  const makeAccount = (fake: FakeFetch, overrides: Partial<TransmitClientOptions> = {}) =>
    makeClient(fake, overrides, create);

  describe(entry, () => {
    describe("users.create", () => {
      it("POSTs the user with a permanent password and returns the created user", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken("ct")).on("/cis/v1/users", created);
        const { client } = makeAccount(fake);
        const user = await client.users.create({
          username: "ann",
          email: "ann@example.com",
          phoneNumber: "+15550100009",
          password: PASSWORD,
          name: { firstName: "Ann", lastName: "Lee" },
          externalUserId: "ext-1",
        });
        expect(user).toEqual({ userId: "u-1", username: "ann", email: "ann@example.com", status: "Active" });
        const [call] = fake.to("/cis/v1/users");
        expect(call?.url).toBe(`${EU_ROOT}/cis/v1/users`);
        expect(call?.method).toBe("POST");
        expect(call?.headers.authorization).toBe("Bearer ct");
        expect(JSON.parse(call?.body ?? "")).toEqual({
          username: "ann",
          email: "ann@example.com",
          phone_number: "+15550100009",
          credentials: { password: PASSWORD, force_replace: false },
          name: { first_name: "Ann", last_name: "Lee" },
          external_user_id: "ext-1",
        });
      });

      it("maps 409 to identifier_taken and a password-policy 400 to password_rejected", async () => {
        const cases = [
          [json({ message: "User with this email already exists", error_code: 409 }, 409), "identifier_taken"],
          [
            json({ message: ["password must be at least 14 characters long"], error_code: 400 }, 400),
            "password_rejected",
          ],
          [json({ message: "Weak", error_code: "auth_password_weak" }, 400), "password_rejected"],
          [json({ message: ["email must be an email"], error_code: 400 }, 400), "invalid_request"],
          [json({ message: "Forbidden", error_code: 403 }, 403), "unauthorized_client"],
        ] as const;
        for (const [answer, code] of cases) {
          const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/cis/v1/users", answer);
          const { client, events } = makeAccount(fake);
          const error = (await caught(() =>
            client.users.create({ email: "a@b.c", password: PASSWORD }),
          )) as TransmitError;
          expect(error.code).toBe(code);
          expect(error.route).toBe("users.create");
          expectNoSecrets([error, error.toJSON(), events], [PASSWORD, CLIENT_SECRET]);
        }
      });

      it("checks its input before sending anything", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/cis/v1/users", created);
        const { client } = makeAccount(fake);
        const bad: unknown[] = [
          undefined,
          { password: PASSWORD },
          { username: "ann" },
          { username: "", password: PASSWORD },
          { username: "a".repeat(257), password: PASSWORD },
          { email: "a@b.c", password: "p".repeat(1025) },
          { email: "a@b.c", password: PASSWORD, name: "Ann" },
          { email: 42, password: PASSWORD },
        ];
        for (const input of bad) {
          expect(await codeOf(() => client.users.create(input as never))).toBe("invalid_request");
        }
        expect(fake.calls).toHaveLength(0);
      });

      it("never resends the password after it may have reached Transmit (timeout, network error, 5xx)", async () => {
        for (const answer of [networkError(), text("down", 502), hang()]) {
          const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/cis/v1/users", answer, created);
          const { client } = makeAccount(fake, { timeoutMs: 50 });
          const code = await codeOf(() => client.users.create({ username: "ann", password: PASSWORD }));
          expect(["network", "upstream_unavailable", "timeout"]).toContain(code);
          expect(fake.to("/cis/v1/users")).toHaveLength(1);
        }
      });

      it("spends one resend at most (Retry-After, then a rejected client token)", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken("t1"), clientToken("t2"))
          .on("/cis/v1/users", text("busy", 503, { "retry-after": "0" }), INVALID_TOKEN, created);
        const { client } = makeAccount(fake);
        expect(await codeOf(() => client.users.create({ username: "ann", password: PASSWORD }))).toBe(
          "unauthorized_client",
        );
        expect(fake.to("/cis/v1/users")).toHaveLength(2);
      });

      it("rejects a 201 without a user id as invalid_response", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/cis/v1/users", json({ result: {} }, 201));
        const { client } = makeAccount(fake);
        expect(await codeOf(() => client.users.create({ username: "ann", password: PASSWORD }))).toBe(
          "invalid_response",
        );
      });
    });

    describe("forgot password", () => {
      it("sendResetEmail POSTs the identifier and redirect URI, once", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on("/reset/email/link", json({ message: "Reset password email sent" }));
        const { client } = makeAccount(fake);
        await expect(
          client.passwords.sendResetEmail({ email: "ann@example.com", redirectUri: "https://app.example.com/reset" }),
        ).resolves.toBeUndefined();
        const [call] = fake.to("/reset/email/link");
        expect(call?.url).toBe(`${EU_ROOT}/cis/v1/auth/password/reset/email/link`);
        expect(JSON.parse(call?.body ?? "")).toEqual({
          email: "ann@example.com",
          redirect_uri: "https://app.example.com/reset",
        });
      });

      it("sendResetEmail maps an unknown user (404) and an unverified email (403) to user_not_found", async () => {
        for (const answer of [
          json({ message: "User not found", error_code: 404 }, 404),
          json({ message: "User email is not verified", error_code: 403 }, 403),
        ]) {
          const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/reset/email/link", answer);
          const { client } = makeAccount(fake);
          const error = (await caught(() =>
            client.passwords.sendResetEmail({ username: "ghost", redirectUri: "https://app.example.com/r" }),
          )) as TransmitError;
          expect(error.code).toBe("user_not_found");
          expect(error.message).toBe(
            "Transmit has no user reachable by this identifier: HTTP " +
              error.status +
              " from password.reset.email.link",
          );
        }
      });

      it("sendResetEmail wants exactly one identifier and an http(s) redirect URI, and is not resent", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/reset/email/link", networkError());
        const { client } = makeAccount(fake);
        const r = "https://app.example.com/reset";
        for (const input of [
          { redirectUri: r },
          { username: "a", email: "a@b.c", redirectUri: r },
          { email: "a@b.c", redirectUri: "javascript:alert(1)" },
          { email: "a@b.c", redirectUri: "/relative" },
          { email: "a@b.c", redirectUri: `https://x.example/${"a".repeat(2048)}` },
        ]) {
          expect(await codeOf(() => client.passwords.sendResetEmail(input))).toBe("invalid_request");
        }
        expect(fake.calls).toHaveLength(0);
        expect(await codeOf(() => client.passwords.sendResetEmail({ email: "a@b.c", redirectUri: r }))).toBe("network");
        expect(fake.to("/reset/email/link")).toHaveLength(1);
      });

      it("sendResetCode and verifyResetCode: a reset token, redacted, for passwords.reset", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on("/reset/email/otp", json({ message: "Email Sent" }))
          .on("/reset/email/otp/validate", json({ result: "reset-token-SENTINEL" }))
          .on("/password/reset", json({ message: "Password changed successfully" }));
        const { client, events } = makeAccount(fake);
        await client.passwords.sendResetCode({ email: "ann@example.com" });
        expect(JSON.parse(fake.to("/reset/email/otp")[0]?.body ?? "")).toEqual({ email: "ann@example.com" });
        const result = await client.passwords.verifyResetCode({ email: "ann@example.com", passcode: PASSCODE });
        expect(result.resetToken).toBe("reset-token-SENTINEL");
        expect(JSON.parse(fake.to("/otp/validate")[0]?.body ?? "")).toEqual({
          email: "ann@example.com",
          passcode: PASSCODE,
        });
        expect(JSON.stringify(result)).toBe('{"resetToken":"[REDACTED]"}');
        expect(String(result)).not.toContain("SENTINEL");
        await client.passwords.reset({ resetToken: result.resetToken, newPassword: PASSWORD });
        expect(JSON.parse(fake.to("/password/reset")[0]?.body ?? "")).toEqual({
          reset_token: "reset-token-SENTINEL",
          new_password: PASSWORD,
        });
        expectNoSecrets([events], ["reset-token-SENTINEL", PASSCODE, PASSWORD]);
      });

      it("verifyResetCode: wrong code invalid_credentials, lockout locked, no resend, bad answer invalid_response", async () => {
        const cases = [
          [json({ error_code: "auth_invalid_credentials", message: "Invalid passcode" }, 403), "invalid_credentials"],
          [json({ error_code: "auth_locked", message: "Locked" }, 403), "locked"],
          [json({ message: "User not found", error_code: 404 }, 404), "user_not_found"],
          [text("down", 500), "upstream_unavailable"],
          [json({ result: 42 }), "invalid_response"],
        ] as const;
        for (const [answer, code] of cases) {
          const fake = new FakeFetch()
            .on("/oidc/token", clientToken())
            .on("/otp/validate", answer, json({ result: "t" }));
          const { client } = makeAccount(fake);
          expect(await codeOf(() => client.passwords.verifyResetCode({ email: "a@b.c", passcode: PASSCODE }))).toBe(
            code,
          );
          expect(fake.to("/otp/validate")).toHaveLength(1);
        }
      });
    });

    describe("one-time codes", () => {
      it("otp.send POSTs channel and identifier; only direct returns the code, redacted", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on(
            (c) => c.path.endsWith("/otp/send") && JSON.parse(c.body ?? "{}").channel === "direct",
            json({ message: "OTP sent", code: "123456" }),
          )
          .on("/otp/send", json({ message: "OTP sent" }));
        const { client, events } = makeAccount(fake);
        const emailed = await client.otp.send({
          channel: "email",
          identifierType: "email",
          identifier: "ann@example.com",
        });
        expect(emailed.code).toBeUndefined();
        expect(JSON.parse(fake.to("/otp/send")[0]?.body ?? "")).toEqual({
          channel: "email",
          identifier_type: "email",
          identifier: "ann@example.com",
        });
        expect(fake.to("/otp/send")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/otp/send`);
        const direct = await client.otp.send({ channel: "direct", identifierType: "username", identifier: "ann" });
        expect(direct.code).toBe("123456");
        expect(JSON.stringify(direct)).toBe('{"code":"[REDACTED]"}');
        expect(`${direct}`).not.toContain("123456");
        expectNoSecrets([events], ["123456"]);
      });

      it("otp.send: checks channel and identifier type, maps unreachable users, is not resent", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on("/otp/send", json({ error_code: "user_phone_number_missing", message: "No phone" }, 404), text("x", 502));
        const { client } = makeAccount(fake);
        for (const input of [
          { channel: "fax", identifierType: "email", identifier: "a@b.c" },
          { channel: "sms", identifierType: "nickname", identifier: "a" },
          { channel: "sms", identifierType: "email", identifier: "" },
        ]) {
          expect(await codeOf(() => client.otp.send(input as never))).toBe("invalid_request");
        }
        expect(fake.calls).toHaveLength(0);
        expect(
          await codeOf(() => client.otp.send({ channel: "sms", identifierType: "email", identifier: "a@b.c" })),
        ).toBe("user_not_found");
        expect(
          await codeOf(() => client.otp.send({ channel: "sms", identifierType: "email", identifier: "a@b.c" })),
        ).toBe("upstream_unavailable");
        expect(fake.to("/otp/send")).toHaveLength(2);
      });

      it("otp.send with direct: an answer without a code is invalid_response", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/send", json({ message: "OTP sent" }));
        const { client } = makeAccount(fake);
        expect(
          await codeOf(() => client.otp.send({ channel: "direct", identifierType: "username", identifier: "a" })),
        ).toBe("invalid_response");
      });

      it("otp.authenticate sends the code with the session id and returns a redacted token set", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/authenticate", userTokens());
        const { client, events } = makeAccount(fake);
        const tokens = await client.otp.authenticate({
          passcode: PASSCODE,
          identifierType: "email",
          identifier: "ann@example.com",
          sessionId: "session-1",
          clientAttributes: { ipAddress: "203.0.113.7" },
        });
        expect(tokens.accessToken).toBe("user-access-token");
        expect(tokens.sessionId).toBe("session-1");
        expect(JSON.stringify(tokens)).not.toContain("user-access-token");
        expect(JSON.parse(fake.to("/otp/authenticate")[0]?.body ?? "")).toEqual({
          passcode: PASSCODE,
          identifier_type: "email",
          identifier: "ann@example.com",
          session_id: "session-1",
          client_attributes: { ip_address: "203.0.113.7" },
        });
        expect(fake.to("/otp/authenticate")[0]?.url).toBe(`${EU_ROOT}/cis/v1/auth/otp/authenticate`);
        expectNoSecrets([events], [PASSCODE, "user-access-token"]);
      });

      it("otp.authenticate maps wrong, expired and locked codes and a gone session", async () => {
        const cases = [
          [json({ error_code: "auth_invalid_credentials", message: "Invalid" }, 400), "invalid_credentials"],
          [json({ error_code: "auth_otp_passcode_expired", message: "Expired" }, 400), "invalid_credentials"],
          [json({ error_code: "auth_locked", message: "Locked" }, 403), "locked"],
          [json({ message: "Session not found", error_code: 400 }, 400), "session_not_found"],
          [json({ message: ["passcode should not be empty"], error_code: 400 }, 400), "invalid_request"],
          [json({ error_code: "system_invalid_input", message: "Bad" }, 400), "invalid_request"],
        ] as const;
        for (const [answer, code] of cases) {
          const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/authenticate", answer);
          const { client, events } = makeAccount(fake);
          const error = (await caught(() =>
            client.otp.authenticate({ passcode: PASSCODE, identifierType: "username", identifier: "ann" }),
          )) as TransmitError;
          expect(error.code).toBe(code);
          expectNoSecrets([error, events], [PASSCODE]);
        }
      });

      it("otp.authenticate is never resent after the code may have been delivered", async () => {
        for (const answer of [networkError(), text("down", 503), hang()]) {
          const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/authenticate", answer, userTokens());
          const { client } = makeAccount(fake, { timeoutMs: 50 });
          await caught(() =>
            client.otp.authenticate({ passcode: PASSCODE, identifierType: "username", identifier: "ann" }),
          );
          expect(fake.to("/otp/authenticate")).toHaveLength(1);
        }
      });

      it("otp.authenticate checks its input before sending", async () => {
        const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/otp/authenticate", userTokens());
        const { client } = makeAccount(fake);
        for (const input of [
          { passcode: "", identifierType: "email", identifier: "a" },
          { passcode: "1".repeat(65), identifierType: "email", identifier: "a" },
          { passcode: "1", identifierType: "id", identifier: "a" },
          { passcode: "1", identifierType: "email", identifier: "a", sessionId: 7 },
        ]) {
          expect(await codeOf(() => client.otp.authenticate(input as never))).toBe("invalid_request");
        }
        expect(fake.calls).toHaveLength(0);
      });
    });

    describe("totp.authenticate", () => {
      it("sends token, identifier and session id; returns the token set; maps failures; never resends", async () => {
        const fake = new FakeFetch()
          .on("/oidc/token", clientToken())
          .on(
            "/totp/authenticate",
            userTokens(),
            json({ error_code: "auth_invalid_credentials", message: "Invalid" }, 400),
            networkError(),
            userTokens(),
          );
        const events: TransmitEvent[] = [];
        const { client } = makeAccount(fake, { onEvent: (e) => events.push(e) });
        const tokens = await client.totp.authenticate({
          token: "123456",
          identifier: "tom@example.com",
          sessionId: "s-1",
        });
        expect(tokens.idToken).toBe("user-id-token");
        const [call] = fake.to("/totp/authenticate");
        expect(call?.url).toBe(`${EU_ROOT}/cis/v1/auth/totp/authenticate`);
        expect(JSON.parse(call?.body ?? "")).toEqual({
          token: "123456",
          identifier: "tom@example.com",
          session_id: "s-1",
        });
        expect(await codeOf(() => client.totp.authenticate({ token: "000000", identifier: "tom" }))).toBe(
          "invalid_credentials",
        );
        expect(
          await codeOf(() =>
            client.totp.authenticate({ token: "000000", identifier: "tom", identifierType: "username" }),
          ),
        ).toBe("network");
        expect(fake.to("/totp/authenticate")).toHaveLength(3);
        expect(JSON.parse(fake.to("/totp/authenticate")[2]?.body ?? "").identifier_type).toBe("username");
        expect(
          await codeOf(() => client.totp.authenticate({ token: "1", identifier: "t", identifierType: "x" as never })),
        ).toBe("invalid_request");
        expectNoSecrets([events], ["123456", "000000"]);
      });
    });
  });
}

describe("the clients of the other entries", () => {
  it("the full client has none of the account-journey methods (they are in @transmit-edge/core/account)", () => {
    const client = createTransmitClient({ region: "eu", clientId: "i", clientSecret: "s" }) as unknown as Record<
      string,
      unknown
    >;
    expect(client.users).toBeUndefined();
    expect(client.otp).toBeUndefined();
    expect(client.totp).toBeUndefined();
    expect(Object.keys(client.passwords as object)).toEqual(["authenticate", "reset"]);
  });

  it("an account client made from a full or login-only client shares its client token and event hook", async () => {
    const { createLoginClient } = await import("../src/login.ts");
    for (const factory of [createTransmitClient, createLoginClient]) {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken("ct"))
        .on("/cis/v1/users", created)
        .on("/password/authenticate", userTokens());
      const { client, events } = makeClient(fake, {}, factory);
      const account = createAccountClient(client);
      expect(account.root).toBe(client.root);
      await client.passwords.authenticate({ username: "ann", password: PASSWORD });
      await account.users.create({ username: "ann", password: PASSWORD });
      expect(fake.to("/oidc/token")).toHaveLength(1);
      expect(events.some((e) => "route" in e && e.route === "users.create")).toBe(true);
    }
  });

  it("checks its options like the other factories", async () => {
    expect(await codeOf(async () => createAccountClient({} as never))).toBe("configuration");
    expect(await codeOf(async () => createAccountClient(undefined as never))).toBe("configuration");
  });

  it("the login-only client has none of the account-journey methods", async () => {
    const { createLoginClient } = await import("../src/login.ts");
    const client = createLoginClient({ region: "eu", clientId: "i", clientSecret: "s" }) as unknown as Record<
      string,
      unknown
    >;
    expect(client.users).toBeUndefined();
    expect(client.otp).toBeUndefined();
    expect(client.totp).toBeUndefined();
    expect(Object.keys(client.passwords as object)).toEqual(["authenticate"]);
  });
});
