/**
 * The control API under `/__emulator` (not part of Transmit): seed clients and users, register TOTP secrets, inject
 * faults, read the request log and the outbox, reset state, move the clock.
 */
import { Hono } from "hono";
import { readLimitedText } from "./body.js";
import { checkCodeSettings } from "./codes.js";
import type { Engine } from "./engine.js";
import { checkFailureOverrides, jsonResponse } from "./failures.js";
import { checkFault } from "./faults.js";
import { regionInfo } from "./info.js";
import { parseJsonObject } from "./input.js";
import type { FailureOverride } from "./options.js";
import { checkPolicy } from "./policy.js";
import { checkClientSeed, checkUserSeed, isTotpSecret } from "./seed.js";
import { otpauthUri } from "./totp.js";

const CONTROL_MAX_BODY = 1024 * 1024;

const unknownRegion = () => jsonResponse({ message: "Unknown region", error_code: 404 }, 404);

function invalid(messages: string[]): Response {
  return jsonResponse({ message: messages, error_code: 400 }, 400);
}

async function readJson(request: Request): Promise<{ value: Record<string, unknown> } | { error: Response }> {
  const text = await readLimitedText(request, CONTROL_MAX_BODY);
  if (text === undefined) return { error: jsonResponse({ message: "Payload too large", error_code: 413 }, 413) };
  const parsed = parseJsonObject(text);
  return parsed.ok ? { value: parsed.value } : { error: invalid(parsed.messages) };
}

/** Routes of the control API, mounted at `/__emulator`. */
export function controlRoutes(engine: Engine): Hono {
  const control = new Hono({ strict: false });
  control.use(async (_c, next) => {
    await engine.ready();
    await next();
  });

  const info = (requestUrl: string) => {
    const origin = new URL(requestUrl).origin;
    return jsonResponse({ regions: [...engine.regions.values()].map((r) => regionInfo(engine, r, origin)) });
  };
  control.get("/", (c) => info(c.req.url));
  control.get("/info", (c) => info(c.req.url));

  control.post("/faults", async (c) => {
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const { fault, errors } = checkFault(read.value, [...engine.regions.keys()]);
    if (!fault) return invalid(errors);
    engine.faults.add(fault);
    return jsonResponse({ faults: engine.faults.list() }, 201);
  });
  control.get("/faults", () => jsonResponse({ faults: engine.faults.list() }));
  control.delete("/faults", () => {
    engine.faults.clear();
    return new Response(null, { status: 204 });
  });

  control.get("/requests", (c) => {
    const filter: { region?: string; route?: string } = {};
    const region = c.req.query("region");
    const route = c.req.query("route");
    if (region) filter.region = region;
    if (route) filter.route = route;
    return jsonResponse({ requests: engine.recorder.list(filter) });
  });
  control.delete("/requests", () => {
    engine.recorder.clear();
    return new Response(null, { status: 204 });
  });

  control.post("/reset", async () => {
    await engine.reset();
    return new Response(null, { status: 204 });
  });

  const clock = () => jsonResponse({ now: new Date(engine.now()).toISOString(), now_ms: engine.now() });
  control.get("/clock", clock);
  control.post("/clock", async (c) => {
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const seconds = read.value.advance_seconds;
    if (typeof seconds !== "number" || !Number.isFinite(seconds)) return invalid(["advance_seconds must be a number"]);
    engine.advanceClock(seconds);
    return clock();
  });

  control.get("/policy", () => jsonResponse({ policy: engine.policy }));
  control.put("/policy", async (c) => {
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const errors = checkPolicy(read.value);
    if (errors.length > 0) return invalid(errors);
    Object.assign(engine.policy, read.value);
    return jsonResponse({ policy: engine.policy });
  });

  control.get("/failures", () => jsonResponse({ failures: engine.failures.describe() }));
  control.put("/failures", async (c) => {
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const errors = checkFailureOverrides(read.value);
    if (errors.length > 0) return invalid(errors);
    engine.failures.set({ ...engine.options.failures, ...(read.value as Record<string, FailureOverride>) });
    return jsonResponse({ failures: engine.failures.describe() });
  });

  control.post("/:region/clients", async (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const errors = checkClientSeed(read.value);
    if (errors.length > 0) return invalid(errors);
    const client = engine.addClient(region, read.value as never);
    return jsonResponse({ client_id: client.clientId }, 201);
  });

  control.post("/:region/users", async (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const errors = checkUserSeed(read.value);
    if (errors.length > 0) return invalid(errors);
    const user = await engine.addUser(region, read.value as never);
    if ("conflict" in user) {
      return jsonResponse({ message: `User with this ${user.conflict} already exists`, error_code: 409 }, 409);
    }
    return jsonResponse({ user_id: user.userId }, 201);
  });

  control.get("/codes", () => jsonResponse({ codes: engine.codes }));
  control.put("/codes", async (c) => {
    const read = await readJson(c.req.raw);
    if ("error" in read) return read.error;
    const errors = checkCodeSettings(read.value);
    if (errors.length > 0) return invalid(errors);
    Object.assign(engine.codes, read.value);
    return jsonResponse({ codes: engine.codes });
  });

  control.get("/:region/outbox", (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    const filter: { to?: string; kind?: string } = {};
    const to = c.req.query("to");
    const kind = c.req.query("kind");
    if (to) filter.to = to;
    if (kind) filter.kind = kind;
    return jsonResponse({ messages: region.state.messages(filter) });
  });
  control.delete("/:region/outbox", (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    region.state.outbox.length = 0;
    return new Response(null, { status: 204 });
  });

  // TOTP registration for a user (inferred: Transmit registers TOTP for a logged-in user; the emulator lets tests and
  // demos set a secret directly). Body `{secret?}`: a base32 secret, or a fresh one is made.
  control.post("/:region/users/:user_id/totp", async (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    const user = region.state.users.get(c.req.param("user_id"));
    if (!user) return jsonResponse({ message: "User not found", error_code: 404 }, 404);
    const text = await readLimitedText(c.req.raw, CONTROL_MAX_BODY);
    if (text === undefined) return jsonResponse({ message: "Payload too large", error_code: 413 }, 413);
    let secret: unknown;
    if (text.trim() !== "") {
      const parsed = parseJsonObject(text);
      if (!parsed.ok) return invalid(parsed.messages);
      secret = parsed.value.secret;
    }
    if (secret !== undefined && (typeof secret !== "string" || !isTotpSecret(secret))) {
      return invalid(["secret must be a base32 secret of at least 10 bytes (16 characters)"]);
    }
    const registered = engine.registerTotp(user, secret as string | undefined);
    // The label preference (email, username, phone number) is the one documented for Transmit's registration.
    const label = user.email ?? user.username ?? user.phoneNumber ?? user.userId;
    return jsonResponse(
      { user_id: user.userId, secret: registered, uri: otpauthUri(registered, "Transmit emulator", label) },
      201,
    );
  });
  control.delete("/:region/users/:user_id/totp", (c) => {
    const region = engine.region(c.req.param("region"));
    if (!region) return unknownRegion();
    const user = region.state.users.get(c.req.param("user_id"));
    if (!user) return jsonResponse({ message: "User not found", error_code: 404 }, 404);
    delete user.totp;
    return new Response(null, { status: 204 });
  });

  control.notFound(() => jsonResponse({ message: "Unknown control route", error_code: 404 }, 404));
  return control;
}
