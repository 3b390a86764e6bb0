// Events: a call id links one call's events, a per-call trace context is passed through, failures emit an error
// event with the mapped code.
import { describe, expect, it } from "vitest";
import type { TransmitEvent } from "../src/index.ts";
import { caught, clientToken, FakeFetch, itEachEntry, json, makeClient, text, userTokens } from "./helpers.ts";

const login = { username: "alice", password: "pw" };

describe("events of a call", () => {
  itEachEntry(
    "links every event of one call with one call id, distinct from the next call's",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", text("busy", 503, { "retry-after": "0" }), userTokens());
      const { client, events } = makeClient(fake);
      await client.passwords.authenticate(login);
      const first = events.splice(0);
      expect(first.map((e) => e.type)).toEqual([
        "token.refresh",
        "request.start",
        "request.end",
        "request.start",
        "request.end",
        "retry",
        "request.start",
        "request.end",
      ]);
      expect(new Set(first.map((e) => e.callId)).size).toBe(1);
      await client.passwords.authenticate(login);
      expect(events.length).toBeGreaterThan(0);
      for (const e of events) expect(e.callId).not.toBe(first[0]?.callId);
    },
  );

  itEachEntry(
    "copies the call's trace context onto each of its events, and only its events",
    (makeClient) => async () => {
      const fake = new FakeFetch().on("/oidc/token", clientToken()).on("/password/authenticate", userTokens());
      const { client, events } = makeClient(fake);
      const trace = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
      await client.passwords.authenticate(login, { trace });
      expect(events.length).toBe(5);
      for (const e of events) expect(e.trace).toEqual(trace);
      events.splice(0);
      await client.passwords.authenticate(login);
      for (const e of events) expect(e.trace).toBeUndefined();
    },
  );

  itEachEntry(
    "emits an error event with the mapped code, status and route when a call fails",
    (makeClient) => async () => {
      const fake = new FakeFetch()
        .on("/oidc/token", clientToken())
        .on("/password/authenticate", json({ message: "Unauthorized", error_code: 401 }, 401));
      const { client, events } = makeClient(fake);
      await caught(() => client.passwords.authenticate(login, { trace: { requestId: "r-1" } }));
      const error = events.find((e): e is Extract<TransmitEvent, { type: "error" }> => e.type === "error");
      expect(error).toMatchObject({
        type: "error",
        code: "invalid_credentials",
        status: 401,
        route: "password.authenticate",
        trace: { requestId: "r-1" },
      });
      expect(error?.callId).toBe(events[0]?.callId);
    },
  );

  it("emits an error event for failures found before any request (input, options)", async () => {
    const fake = new FakeFetch();
    const { client, events } = makeClient(fake);
    await caught(() => client.passwords.authenticate({ username: "", password: "pw" }));
    await caught(() => client.clientAccessToken({ timeoutMs: Number.NaN }));
    expect(events.map((e) => (e.type === "error" ? `${e.code}:${e.status}` : e.type))).toEqual([
      "invalid_request:0",
      "configuration:0",
    ]);
    expect(events[0]?.callId).not.toBe(events[1]?.callId);
  });
});
