import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_TOTP_SECRET, type OutboxMessage, totpAt } from "../src/index.js";
import { api, clientToken, json, login, makeEmulator, ORIGIN, PASSWORD } from "./helpers.js";

const sent: OutboxMessage[] = [];
const emulator = makeEmulator({ regions: ["eu", "us"], onMessage: (m) => sent.push(m) });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  sent.length = 0;
  token = await clientToken(emulator);
});

function control(path: string, method = "GET"): Promise<Response> {
  return emulator.fetch(new Request(`${ORIGIN}/__emulator${path}`, { method }));
}
const outboxOf = async (path: string) => (await json(await control(path))).messages as OutboxMessage[];

async function sendAll(): Promise<void> {
  await api(
    emulator,
    "eu",
    "/v1/auth/password/reset/email/link",
    { username: "alice", redirect_uri: "https://a.example/r" },
    token,
  );
  await api(emulator, "eu", "/v1/auth/password/reset/email/otp", { email: "sam@example.com" }, token);
  await api(
    emulator,
    "eu",
    "/v1/auth/otp/send",
    { channel: "sms", identifier_type: "username", identifier: "sam" },
    token,
  );
}

describe("outbox", () => {
  it("GET /__emulator/{region}/outbox lists sent emails and SMS with link or code, recipient, kind, time", async () => {
    await sendAll();
    const messages = await outboxOf("/eu/outbox");
    expect(messages.map((m) => [m.channel, m.kind, m.to])).toEqual([
      ["email", "password_reset_link", "alice@example.com"],
      ["email", "password_reset_code", "sam@example.com"],
      ["sms", "one_time_code", "+15550100002"],
    ]);
    for (const m of messages) {
      expect(m).toMatchObject({ id: expect.stringMatching(/^msg_/), region: "eu", time: expect.any(String) });
      expect(m.link ?? m.code).toEqual(expect.any(String));
    }
    expect(await outboxOf("/us/outbox")).toEqual([]);
    expect(await outboxOf("/eu/outbox?to=SAM@example.com")).toHaveLength(1);
    expect(await outboxOf("/eu/outbox?kind=one_time_code")).toHaveLength(1);
    expect((await control("/mars/outbox")).status).toBe(404);
  });

  it("never holds a password", async () => {
    await login(emulator, token, { username: "alice", password: PASSWORD });
    await sendAll();
    const messages = [...(await outboxOf("/eu/outbox")), ...sent];
    expect(JSON.stringify(messages)).not.toContain(PASSWORD);
    for (const m of messages) expect(Object.keys(m).filter((k) => /password|secret/i.test(k))).toEqual([]);
  });

  it("DELETE clears one region's outbox; reset clears all", async () => {
    await sendAll();
    await api(
      emulator,
      "us",
      "/v1/auth/otp/send",
      { channel: "email", identifier_type: "username", identifier: "tom" },
      await clientToken(emulator, "us"),
    );
    expect((await control("/eu/outbox", "DELETE")).status).toBe(204);
    expect(await outboxOf("/eu/outbox")).toEqual([]);
    expect(await outboxOf("/us/outbox")).toHaveLength(1);
    await emulator.reset();
    expect(emulator.outbox()).toEqual([]);
  });

  it("calls onMessage with each message as it is sent; outbox() and clearOutbox() work in-process", async () => {
    await sendAll();
    expect(sent).toEqual(emulator.outbox());
    expect(emulator.outbox({ to: "alice@example.com" })).toHaveLength(1);
    expect(emulator.outbox({ region: "us" })).toEqual([]);
    emulator.clearOutbox("eu");
    expect(emulator.outbox()).toEqual([]);
  });

  it("a throwing onMessage does not fail the call", async () => {
    const noisy = makeEmulator({
      regions: ["eu"],
      onMessage: () => {
        throw new Error("printer on fire");
      },
    });
    const res = await api(
      noisy,
      "eu",
      "/v1/auth/otp/send",
      { channel: "email", identifier_type: "username", identifier: "alice" },
      await clientToken(noisy),
    );
    expect(res.status).toBe(200);
    expect(noisy.outbox()).toHaveLength(1);
  });

  it("the info of each region names its outbox URL", () => {
    expect(emulator.region("eu").outbox).toBe(`${ORIGIN}/__emulator/eu/outbox`);
  });
});

describe("request log", () => {
  it("redacts passcodes, TOTP tokens, reset codes and tokens", async () => {
    await api(
      emulator,
      "eu",
      "/v1/auth/otp/send",
      { channel: "direct", identifier_type: "username", identifier: "alice" },
      token,
    );
    const direct = await json(
      await api(
        emulator,
        "eu",
        "/v1/auth/otp/send",
        { channel: "direct", identifier_type: "username", identifier: "alice" },
        token,
      ),
    );
    await api(
      emulator,
      "eu",
      "/v1/auth/otp/authenticate",
      { identifier_type: "username", identifier: "alice", passcode: direct.code },
      token,
    );
    const totp = await totpAt(DEMO_TOTP_SECRET, emulator.now());
    await api(emulator, "eu", "/v1/auth/totp/authenticate", { identifier: "tom@example.com", token: totp }, token);
    await api(emulator, "eu", "/v1/auth/password/reset/email/otp", { email: "alice@example.com" }, token);
    const resetCode = emulator.outbox().at(-1)?.code as string;
    const validated = await json(
      await api(
        emulator,
        "eu",
        "/v1/auth/password/reset/email/otp/validate",
        { email: "alice@example.com", passcode: resetCode },
        token,
      ),
    );
    await api(
      emulator,
      "eu",
      "/v1/auth/password/reset",
      { reset_token: validated.result, new_password: "New-Password-123!" },
      token,
    );
    const log = JSON.stringify(emulator.requests());
    for (const secret of [direct.code, totp, resetCode, validated.result, "New-Password-123!"]) {
      expect(log).not.toContain(secret as string);
    }
    const otpCall = emulator.requests({ route: "otp.authenticate" })[0];
    expect(otpCall?.body).toMatchObject({ identifier: "alice", passcode: "[redacted]" });
    expect(emulator.requests({ route: "totp.authenticate" })[0]?.body).toMatchObject({ token: "[redacted]" });
  });
});
