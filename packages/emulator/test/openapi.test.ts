/**
 * Checks the emulator against its own openapi.yaml: every documented (operation, status) pair is produced by a
 * scenario, and the actual status and body match the documented schema (required fields, types, enums).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEMO_TOTP_SECRET, ROUTE_NAMES, totpAt } from "../src/index.js";
import { api, clientToken, json, login, makeEmulator, ORIGIN, PASSWORD, tokenRequest } from "./helpers.js";

type Schema = Record<string, unknown>;
const spec = parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "openapi.yaml"), "utf8")) as {
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, Schema> };
};

function resolve<T extends Schema>(node: T): T {
  const ref = node.$ref as string | undefined;
  if (!ref) return node;
  const [, , kind, name] = ref.split("/");
  return resolve((spec.components as unknown as Record<string, Record<string, T>>)[kind ?? ""]?.[name ?? ""] as T);
}

/** Problems of a value against a (small subset of) JSON Schema; empty when it conforms. */
function problems(value: unknown, schemaIn: Schema, path = "$"): string[] {
  const schema = resolve(schemaIn);
  if (schema.oneOf) {
    const options = (schema.oneOf as Schema[]).map((s) => problems(value, s, path));
    return options.some((p) => p.length === 0)
      ? []
      : [`${path}: matches no oneOf variant (${options.flat().join("; ")})`];
  }
  const out: string[] = [];
  const type = schema.type as string | undefined;
  if (schema.enum && !(schema.enum as unknown[]).includes(value))
    out.push(`${path}: ${JSON.stringify(value)} not in enum`);
  if (type === "object") {
    if (!value || typeof value !== "object" || Array.isArray(value)) return [...out, `${path}: not an object`];
    const record = value as Record<string, unknown>;
    for (const key of (schema.required as string[] | undefined) ?? [])
      if (!(key in record)) out.push(`${path}.${key}: missing`);
    for (const [key, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (record[key] !== undefined) out.push(...problems(record[key], sub, `${path}.${key}`));
    }
  } else if (type === "array") {
    if (!Array.isArray(value)) return [...out, `${path}: not an array`];
    for (const [i, item] of value.entries()) {
      out.push(...problems(item, (schema.items as Schema | undefined) ?? {}, `${path}[${i}]`));
    }
  } else if (type === "string" && typeof value !== "string") out.push(`${path}: not a string`);
  else if (type === "integer" && !Number.isInteger(value)) out.push(`${path}: not an integer`);
  else if (type === "boolean" && typeof value !== "boolean") out.push(`${path}: not a boolean`);
  return out;
}

const emulator = makeEmulator({ regions: ["eu"] });
let token: string;
beforeEach(async () => {
  await emulator.reset();
  token = await clientToken(emulator);
});
const STRONG = "Strong-Password-42!";
const alice = async () => json(await login(emulator, token, { username: "alice", password: PASSWORD }));
const resetToken = async () =>
  (await json(await login(emulator, token, { username: "tara", password: "Temporary-Pass-8!" }))).reset_token as string;
const noPasswordUser = async () =>
  (
    (await json(await api(emulator, "eu", "/v1/users", { email: "np@example.com" }, token))).result as {
      user_id: string;
    }
  ).user_id;

const ALICE = { identifier_type: "email", identifier: "alice@example.com" };
const resetLink = (body: Record<string, unknown>, t = token) =>
  api(emulator, "eu", "/v1/auth/password/reset/email/link", { redirect_uri: "https://a.example/r", ...body }, t);
const resetCode = (email: string, t = token) => api(emulator, "eu", "/v1/auth/password/reset/email/otp", { email }, t);
const validateReset = (email: string, passcode: unknown, t = token) =>
  api(emulator, "eu", "/v1/auth/password/reset/email/otp/validate", { email, passcode }, t);
const otpSend = (body: Record<string, unknown>, t = token) => api(emulator, "eu", "/v1/auth/otp/send", body, t);
const otpAuthenticate = (body: Record<string, unknown>, t = token) =>
  api(emulator, "eu", "/v1/auth/otp/authenticate", body, t);
const totpAuthenticate = (body: Record<string, unknown>, t = token) =>
  api(emulator, "eu", "/v1/auth/totp/authenticate", body, t);

/** A call producing each documented (operationId, status). */
const scenarios: Record<string, () => Promise<Response>> = {
  "getClientAccessToken 200": () => emulator.fetch(tokenRequest("eu")),
  "getClientAccessToken 400": () => emulator.fetch(tokenRequest("eu", { grant_type: "implicit" })),
  "getClientAccessToken 401": () => emulator.fetch(tokenRequest("eu", { client_secret: "wrong" })),
  "getJwks 200": () => emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/jwks`)),
  "getDiscovery 200": () => emulator.fetch(new Request(`${ORIGIN}/eu/cis/oidc/.well-known/openid-configuration`)),
  "authenticatePassword 200": () => login(emulator, token, { username: "alice", password: PASSWORD }),
  "authenticatePassword 400": () => login(emulator, token, { username: "alice" }),
  "authenticatePassword 401": () => login(emulator, token, { username: "alice", password: "nope" }),
  "authenticatePassword 403": () => login(emulator, token, { username: "eddie", password: "Expired-Horse-9!" }),
  "authenticatePassword 413": () => login(emulator, token, { username: "a".repeat(70_000), password: "x" }),
  "authenticateSession 200": async () =>
    api(emulator, "eu", "/v1/auth/session/authenticate", { session_id: (await alice()).session_id }, token),
  "authenticateSession 400": () => api(emulator, "eu", "/v1/auth/session/authenticate", { session_id: "x" }, token),
  "authenticateSession 401": () => api(emulator, "eu", "/v1/auth/session/authenticate", { session_id: "x" }, "bad"),
  "refreshToken 200": async () =>
    api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token: (await alice()).refresh_token }, token),
  "refreshToken 400": () => api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token: "x" }, token),
  "refreshToken 401": () => api(emulator, "eu", "/v1/auth/token/refresh", { refresh_token: "x" }, undefined),
  "logoutSession 204": async () =>
    api(emulator, "eu", "/v1/auth/session/logout", { session_id: (await alice()).session_id }, token),
  "logoutSession 400": () => api(emulator, "eu", "/v1/auth/session/logout", { session_id: "x" }, token),
  "logoutSession 401": () => api(emulator, "eu", "/v1/auth/session/logout", { session_id: "x" }, undefined),
  "resetPassword 200": async () =>
    api(emulator, "eu", "/v1/auth/password/reset", { reset_token: await resetToken(), new_password: STRONG }, token),
  "resetPassword 400": async () =>
    api(emulator, "eu", "/v1/auth/password/reset", { reset_token: await resetToken(), new_password: "weak" }, token),
  "resetPassword 401": () => api(emulator, "eu", "/v1/auth/password/reset", {}, undefined),
  "resetPassword 403": () =>
    api(emulator, "eu", "/v1/auth/password/reset", { reset_token: "x", new_password: STRONG }, token),
  "createUser 201": () =>
    api(emulator, "eu", "/v1/users", { username: "new", credentials: { password: STRONG } }, token),
  "createUser 400": () => api(emulator, "eu", "/v1/users", { email: 5 }, token),
  "createUser 401": () => api(emulator, "eu", "/v1/users", { username: "new" }, undefined),
  "createUser 409": () => api(emulator, "eu", "/v1/users", { username: "alice" }, token),
  "registerPassword 201": async () =>
    api(emulator, "eu", `/v1/users/${await noPasswordUser()}/password`, { password: STRONG }, token),
  "registerPassword 400": () => api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: 1 }, token),
  "registerPassword 401": () =>
    api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: STRONG }, undefined),
  "registerPassword 404": () => api(emulator, "eu", "/v1/users/nobody/password", { password: STRONG }, token),
  "registerPassword 409": () => api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: STRONG }, token),
  "updatePassword 200": () =>
    api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: STRONG }, token, "PUT"),
  "updatePassword 400": () =>
    api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: "weak" }, token, "PUT"),
  "updatePassword 401": () => api(emulator, "eu", "/v1/users/demo-eu-alice/password", { password: STRONG }, "x", "PUT"),
  "updatePassword 404": () => api(emulator, "eu", "/v1/users/nobody/password", { password: STRONG }, token, "PUT"),
  "updatePassword 409": async () =>
    api(emulator, "eu", `/v1/users/${await noPasswordUser()}/password`, { password: STRONG }, token, "PUT"),
  "listUserSessions 200": async () => {
    await alice();
    return api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, token, "GET");
  },
  "listUserSessions 401": () => api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, "x", "GET"),
  "revokeUserSessions 204": () =>
    api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, token, "DELETE"),
  "revokeUserSessions 401": () =>
    api(emulator, "eu", "/v1/auth/users/demo-eu-alice/sessions", undefined, "x", "DELETE"),
  "sendForgotPasswordEmail 200": () => resetLink({ username: "alice" }),
  "sendForgotPasswordEmail 400": () => resetLink({ username: "alice", email: "alice@example.com" }),
  "sendForgotPasswordEmail 401": () => resetLink({ username: "alice" }, "x"),
  "sendForgotPasswordEmail 403": async () => {
    await api(emulator, "eu", "/v1/users", { username: "no-mail" }, token);
    return resetLink({ username: "no-mail" });
  },
  "sendForgotPasswordEmail 404": () => resetLink({ username: "nobody" }),
  "sendResetPasswordEmailOTP 200": () => resetCode("alice@example.com"),
  "sendResetPasswordEmailOTP 400": () => api(emulator, "eu", "/v1/auth/password/reset/email/otp", {}, token),
  "sendResetPasswordEmailOTP 401": () => resetCode("alice@example.com", "x"),
  "sendResetPasswordEmailOTP 404": () => resetCode("nobody@example.com"),
  "validateResetPasswordEmailOTP 200": async () => {
    await resetCode("alice@example.com");
    return validateReset("alice@example.com", emulator.outbox().at(-1)?.code);
  },
  "validateResetPasswordEmailOTP 400": () => validateReset("alice@example.com", undefined),
  "validateResetPasswordEmailOTP 401": () => validateReset("alice@example.com", "123456", "x"),
  "validateResetPasswordEmailOTP 403": () => validateReset("alice@example.com", "123456"),
  "validateResetPasswordEmailOTP 404": () => validateReset("nobody@example.com", "123456"),
  "sendOTP 200": () => otpSend({ channel: "direct", ...ALICE }),
  "sendOTP 400": () => otpSend({ channel: "pigeon", ...ALICE }),
  "sendOTP 401": () => otpSend({ channel: "email", ...ALICE }, "x"),
  "sendOTP 404": () => otpSend({ channel: "sms", identifier_type: "username", identifier: "tom" }),
  "authenticateOTP 200": async () => {
    const { code } = await json(await otpSend({ channel: "direct", ...ALICE }));
    return otpAuthenticate({ ...ALICE, passcode: code });
  },
  "authenticateOTP 400": () => otpAuthenticate({ ...ALICE, passcode: "123456" }),
  "authenticateOTP 401": () => otpAuthenticate({ ...ALICE, passcode: "123456" }, "x"),
  "authenticateOTP 403": async () => {
    const { code } = await json(await otpSend({ channel: "direct", ...ALICE }));
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) await otpAuthenticate({ ...ALICE, passcode: wrong });
    return otpAuthenticate({ ...ALICE, passcode: code });
  },
  "authenticateTOTP 200": async () =>
    totpAuthenticate({ identifier: "tom@example.com", token: await totpAt(DEMO_TOTP_SECRET, emulator.now()) }),
  "authenticateTOTP 400": () => totpAuthenticate({ identifier: "tom@example.com", token: "abc" }),
  "authenticateTOTP 401": () => totpAuthenticate({ identifier: "tom@example.com", token: "123456" }, "x"),
  "authenticateTOTP 403": async () => {
    for (let i = 0; i < 5; i++) await totpAuthenticate({ identifier: "tom@example.com", token: "abc" });
    return totpAuthenticate({ identifier: "tom@example.com", token: await totpAt(DEMO_TOTP_SECRET, emulator.now()) });
  },
  "getUserSessions 200": () => api(emulator, "eu", "/v1/sessions/demo-eu-alice", undefined, token, "GET"),
  "getUserSessions 401": () => api(emulator, "eu", "/v1/sessions/demo-eu-alice", undefined, "x", "GET"),
  "deleteUserSessions 200": () => api(emulator, "eu", "/v1/sessions/demo-eu-alice", undefined, token, "DELETE"),
  "deleteUserSessions 401": () => api(emulator, "eu", "/v1/sessions/demo-eu-alice", undefined, "x", "DELETE"),
};

const documented: { key: string; schema?: Schema }[] = [];
const routes = new Set<string>();
for (const [, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (method === "parameters") continue;
    routes.add(op["x-route"] as string);
    for (const [status, responseIn] of Object.entries(op.responses as Record<string, Schema>)) {
      const response = resolve(responseIn);
      const content = response.content as Record<string, { schema: Schema }> | undefined;
      const schema = content?.["application/json"]?.schema;
      documented.push({ key: `${op.operationId as string} ${status}`, ...(schema ? { schema } : {}) });
    }
  }
}

describe("openapi.yaml", () => {
  it("documents every emulated route and has a scenario for every documented response", () => {
    expect([...routes].sort()).toEqual([...ROUTE_NAMES].sort());
    expect(documented.map((d) => d.key).sort()).toEqual(Object.keys(scenarios).sort());
  });

  it.each(documented)("$key: the emulator answers with that status and a conforming body", async ({ key, schema }) => {
    const status = Number(key.split(" ")[1]);
    const res = await scenarios[key]!();
    expect(res.status).toBe(status);
    if (!schema) {
      expect(await res.text()).toBe("");
      return;
    }
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(problems(await res.json(), schema)).toEqual([]);
  });
});
