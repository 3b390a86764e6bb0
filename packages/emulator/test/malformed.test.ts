import { beforeAll, describe, expect, it } from "vitest";
import { ROUTE_NAMES } from "../src/index.js";
import { api, clientToken, json, makeEmulator, ORIGIN } from "./helpers.js";

const emulator = makeEmulator({ regions: ["eu"], maxBodyBytes: 8 * 1024 });
let token: string;
beforeAll(async () => {
  token = await clientToken(emulator);
});

const jsonPaths: [string, string][] = [
  ["POST", "/v1/auth/password/authenticate"],
  ["POST", "/v1/auth/session/authenticate"],
  ["POST", "/v1/auth/token/refresh"],
  ["POST", "/v1/auth/session/logout"],
  ["POST", "/v1/auth/password/reset"],
  ["POST", "/v1/users"],
  ["POST", "/v1/users/demo-eu-alice/password"],
  ["PUT", "/v1/users/demo-eu-alice/password"],
  ["POST", "/v1/auth/password/reset/email/link"],
  ["POST", "/v1/auth/password/reset/email/otp"],
  ["POST", "/v1/auth/password/reset/email/otp/validate"],
  ["POST", "/v1/auth/otp/send"],
  ["POST", "/v1/auth/otp/authenticate"],
  ["POST", "/v1/auth/totp/authenticate"],
];
const badBodies = ["{", "not json", "", "null", "[]", "42", '"str"', '{"username": {"$gt": ""}}', "\u0000\uFFFF"];

describe("malformed input", () => {
  it.each(jsonPaths)(
    "%s %s answers 400 {message: [...], error_code: 400} to every malformed body",
    async (method, path) => {
      for (const body of badBodies) {
        const res = await api(emulator, "eu", path, body, token, method);
        expect(res.status, `${path} with ${JSON.stringify(body)}`).toBe(400);
        const parsed = await json(res);
        expect(parsed.error_code).toBe(400);
        expect(Array.isArray(parsed.message)).toBe(true);
      }
    },
  );

  it("answers wrong field types with 400, naming the field", async () => {
    const res = await api(
      emulator,
      "eu",
      "/v1/auth/password/authenticate",
      { username: ["a"], password: true, claims: "x" },
      token,
    );
    expect(res.status).toBe(400);
    const message = (await json(res)).message as string[];
    expect(message.join(" ")).toMatch(/username/);
    expect(message.join(" ")).toMatch(/password/);
    expect(message.join(" ")).toMatch(/claims/);
  });

  it("answers 413 to a body above the limit, whether or not Content-Length says so", async () => {
    const huge = JSON.stringify({ username: "a".repeat(20_000), password: "x" });
    const declared = await api(emulator, "eu", "/v1/auth/password/authenticate", huge, token);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ message: "Payload too large", error_code: 413 });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode("a".repeat(1024)));
        controller.close();
      },
    });
    const streamed = await emulator.fetch(
      new Request(`${ORIGIN}/eu/cis/v1/auth/password/authenticate`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: chunks,
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(413);
  });

  it("answers 404 JSON for unknown paths, unknown regions and regions not served", async () => {
    for (const path of ["/eu/cis/v1/nope", "/mars/oidc/token", "/au/cis/oidc/jwks", "/"]) {
      const res = await emulator.fetch(new Request(`${ORIGIN}${path}`, { method: "POST" }));
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: "Not found", error_code: 404 });
    }
  });

  it("never answers 500 to random junk on any route", async () => {
    const paths = [
      "/eu/oidc/token",
      "/eu/cis/oidc/token",
      ...jsonPaths.map(([, p]) => `/eu/cis${p}`),
      "/__emulator/faults",
      "/__emulator/eu/users",
      "/__emulator/eu/clients",
      "/__emulator/clock",
      "/__emulator/codes",
      "/__emulator/eu/users/demo-eu-alice/totp",
    ];
    const junk = [
      "%%%",
      "a=1&a=2",
      '{"a":',
      "\uD800",
      "grant_type=client_credentials&client_id=",
      JSON.stringify({ x: "y".repeat(100) }),
    ];
    const types = ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"];
    for (const path of paths) {
      for (const body of junk) {
        for (const type of types) {
          const res = await emulator.fetch(
            new Request(`${ORIGIN}${path}`, {
              method: "POST",
              headers: { "content-type": type, authorization: `Bearer ${token}` },
              body,
            }),
          );
          expect(res.status, `${path} ${type} ${body}`).toBeLessThan(500);
        }
      }
    }
    expect(ROUTE_NAMES.length).toBeGreaterThan(10);
  });
});
