import { describe, expect, it } from "vitest";
import { memoryLimiter, memorySessionStore, transmitAuth } from "../../src/index.ts";
import { FakeClient, SECRET } from "../helpers.ts";

// Node only: on Workers the default source is CF-Connecting-IP, so there is always one.
describe("a limiter needs a client address", () => {
  it('A05 H13 a limiter without any IP source is refused when the routes are built, naming ip: "none" as the opt-out', () => {
    const base = { client: new FakeClient(), sessions: memorySessionStore(), userKeySecret: SECRET };
    // Off Workers, with neither ip nor getIp, the per-IP limit would silently count nothing.
    expect(() => transmitAuth({ ...base, limiter: memoryLimiter() }).routes()).toThrow(/ip.*"none"/);
    expect(() => transmitAuth({ ...base, limiter: memoryLimiter(), ip: "none" }).routes()).not.toThrow();
    expect(() => transmitAuth({ ...base, limiter: memoryLimiter(), getIp: () => "192.0.2.1" }).routes()).not.toThrow();
    // Without a limiter there is nothing to count per IP.
    expect(() => transmitAuth({ ...base, limiter: "none" }).routes()).not.toThrow();
  });
});
