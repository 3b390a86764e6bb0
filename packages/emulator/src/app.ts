/** The Hono application: emulated Transmit routes under `/{region}` and the control API under `/__emulator`. */
import { Hono } from "hono";
import { readLimitedText } from "./body.js";
import { controlRoutes } from "./control.js";
import type { Engine } from "./engine.js";
import { jsonResponse } from "./failures.js";
import { EmulatedNetworkError, type FaultSpec, hangUntilAborted, type RouteName, sleep } from "./faults.js";
import { parseForm, parseJsonObject } from "./input.js";
import { redact } from "./recorder.js";
import {
  passwordAuthenticate,
  passwordReset,
  sessionAuthenticate,
  sessionLogout,
  tokenRefresh,
  userSessionsList,
  userSessionsRevoke,
} from "./routes/auth.js";
import type { Call, Handler } from "./routes/call.js";
import { discovery, jwks, token } from "./routes/oidc.js";
import { otpAuthenticate, otpSend, totpAuthenticate } from "./routes/one-time.js";
import { resetEmailLink, resetEmailOtp, resetEmailOtpValidate } from "./routes/reset.js";
import { sessionsDelete, sessionsList } from "./routes/user-sessions.js";
import { usersCreate, usersPasswordCreate, usersPasswordUpdate } from "./routes/users.js";
import { verifyClientToken } from "./tokens.js";

interface RouteDef {
  name: RouteName;
  method: "GET" | "POST" | "PUT" | "DELETE";
  paths: string[];
  handler: Handler;
  /** Requires a client access token of the region. */
  backend: boolean;
}

/** Every emulated operation; paths are relative to the region prefix. */
export const ROUTES: readonly RouteDef[] = [
  { name: "oidc.token", method: "POST", paths: ["/oidc/token", "/cis/oidc/token"], handler: token, backend: false },
  { name: "jwks", method: "GET", paths: ["/cis/oidc/jwks"], handler: jwks, backend: false },
  {
    name: "discovery",
    method: "GET",
    paths: ["/cis/oidc/.well-known/openid-configuration"],
    handler: discovery,
    backend: false,
  },
  {
    name: "password.authenticate",
    method: "POST",
    paths: ["/cis/v1/auth/password/authenticate"],
    handler: passwordAuthenticate,
    backend: true,
  },
  {
    name: "password.reset",
    method: "POST",
    paths: ["/cis/v1/auth/password/reset"],
    handler: passwordReset,
    backend: true,
  },
  {
    name: "session.authenticate",
    method: "POST",
    paths: ["/cis/v1/auth/session/authenticate"],
    handler: sessionAuthenticate,
    backend: true,
  },
  {
    name: "token.refresh",
    method: "POST",
    paths: ["/cis/v1/auth/token/refresh"],
    handler: tokenRefresh,
    backend: true,
  },
  {
    name: "session.logout",
    method: "POST",
    paths: ["/cis/v1/auth/session/logout"],
    handler: sessionLogout,
    backend: true,
  },
  { name: "users.create", method: "POST", paths: ["/cis/v1/users"], handler: usersCreate, backend: true },
  {
    name: "users.password.create",
    method: "POST",
    paths: ["/cis/v1/users/:user_id/password"],
    handler: usersPasswordCreate,
    backend: true,
  },
  {
    name: "users.password.update",
    method: "PUT",
    paths: ["/cis/v1/users/:user_id/password"],
    handler: usersPasswordUpdate,
    backend: true,
  },
  {
    name: "users.sessions.list",
    method: "GET",
    paths: ["/cis/v1/auth/users/:user_id/sessions"],
    handler: userSessionsList,
    backend: true,
  },
  {
    name: "users.sessions.revoke",
    method: "DELETE",
    paths: ["/cis/v1/auth/users/:user_id/sessions"],
    handler: userSessionsRevoke,
    backend: true,
  },
  {
    name: "password.reset.email.link",
    method: "POST",
    paths: ["/cis/v1/auth/password/reset/email/link"],
    handler: resetEmailLink,
    backend: true,
  },
  {
    name: "password.reset.email.otp",
    method: "POST",
    paths: ["/cis/v1/auth/password/reset/email/otp"],
    handler: resetEmailOtp,
    backend: true,
  },
  {
    name: "password.reset.email.otp.validate",
    method: "POST",
    paths: ["/cis/v1/auth/password/reset/email/otp/validate"],
    handler: resetEmailOtpValidate,
    backend: true,
  },
  { name: "otp.send", method: "POST", paths: ["/cis/v1/auth/otp/send"], handler: otpSend, backend: true },
  {
    name: "otp.authenticate",
    method: "POST",
    paths: ["/cis/v1/auth/otp/authenticate"],
    handler: otpAuthenticate,
    backend: true,
  },
  {
    name: "totp.authenticate",
    method: "POST",
    paths: ["/cis/v1/auth/totp/authenticate"],
    handler: totpAuthenticate,
    backend: true,
  },
  { name: "sessions.list", method: "GET", paths: ["/cis/v1/sessions/:user_id"], handler: sessionsList, backend: true },
  {
    name: "sessions.delete",
    method: "DELETE",
    paths: ["/cis/v1/sessions/:user_id"],
    handler: sessionsDelete,
    backend: true,
  },
];

/** The request body as logged: parsed JSON or form, secrets redacted; unparseable text is not kept. */
function loggedBody(text: string | undefined, route: RouteName): unknown {
  if (text === undefined) return "[too large]";
  if (text === "") return null;
  if (route === "oidc.token") return redact(parseForm(text));
  const parsed = parseJsonObject(text);
  return parsed.ok ? redact(parsed.value) : "[unparseable]";
}

function describeFault(f: FaultSpec): string {
  const parts: string[] = [];
  if (f.latency_ms) parts.push(`latency ${f.latency_ms}ms`);
  if (f.hang) parts.push("hang");
  if (f.drop) parts.push(`drop ${f.drop}`);
  if (f.status !== undefined) parts.push(`status ${f.status}`);
  return parts.join(", ") || "none";
}

function faultResponse(f: FaultSpec): Response {
  const headers: Record<string, string> = {};
  if (f.retry_after !== undefined) headers["retry-after"] = String(f.retry_after);
  if (typeof f.body === "string") {
    const looksHtml = f.body.trimStart().startsWith("<");
    headers["content-type"] = looksHtml ? "text/html; charset=utf-8" : "application/json; charset=utf-8";
    return new Response(f.body, { status: f.status, headers });
  }
  if (f.body === undefined) return jsonResponse({ message: "Injected fault", error_code: f.status }, f.status, headers);
  return jsonResponse(f.body, f.status, headers);
}

async function runRoute(
  engine: Engine,
  route: RouteDef,
  request: Request,
  regionName: string,
  params: Record<string, string>,
): Promise<Response> {
  const region = engine.region(regionName);
  if (!region) return engine.failures.respond("not_found");
  await engine.ready();
  const startedAt = Date.now();
  const now = engine.now();
  const url = new URL(request.url);
  const text = route.method === "GET" ? "" : await readLimitedText(request, engine.maxBodyBytes);
  const entry = engine.recorder.add({
    method: route.method,
    region: region.name,
    route: route.name,
    path: url.pathname,
    status: null,
    time: new Date(now).toISOString(),
    duration_ms: 0,
    body: loggedBody(text, route.name),
  });
  const fault = engine.faults.take(route.name, region.name);
  const signals = [request.signal, engine.closing.signal];
  const finish = (response: Response): Response => {
    entry.status = response.status;
    entry.duration_ms = Date.now() - startedAt;
    return response;
  };
  if (fault) {
    entry.fault = describeFault(fault);
    if (fault.latency_ms) await sleep(fault.latency_ms, signals);
    if (fault.hang) await hangUntilAborted(signals);
    if (fault.drop === "before") throw new EmulatedNetworkError("before");
    if (fault.status !== undefined) return finish(faultResponse(fault));
  }
  let response: Response;
  if (text === undefined) {
    response = engine.failures.respond("payload_too_large");
  } else {
    const call: Call = { engine, region, request, root: `${url.origin}/${region.name}`, text, params, now };
    if (route.backend) {
      const client = await verifyClientToken(region, request.headers.get("authorization") ?? undefined, now);
      if (client) call.client = client;
    }
    response = route.backend && !call.client ? engine.failures.respond("invalid_token") : await route.handler(call);
  }
  finish(response);
  if (fault?.drop === "after") {
    entry.status = null;
    throw new EmulatedNetworkError("after");
  }
  return response;
}

/** Builds the Hono app of an engine. */
export function createApp(engine: Engine): Hono {
  const app = new Hono({ strict: false });
  app.route("/__emulator", controlRoutes(engine));
  for (const route of ROUTES) {
    for (const path of route.paths) {
      app.on(route.method, `/:region${path}`, (c) => {
        const { region, ...params } = c.req.param() as Record<string, string>;
        return runRoute(engine, route, c.req.raw, region ?? "", params);
      });
    }
  }
  app.notFound(() => engine.failures.respond("not_found"));
  app.onError((error, c) => {
    // Dropped connections and calls released by an abort (the caller's signal or close()) must reach the caller of
    // fetch as rejections, as a real network failure or abort would.
    const signal = c.req.raw.signal;
    if (error instanceof EmulatedNetworkError || (signal.aborted && error === signal.reason)) throw error;
    if (error === engine.closing.signal.reason || error.name === "AbortError") throw error;
    return jsonResponse({ message: "Something went wrong - Internal server error", error_code: 500 }, 500);
  });
  return app;
}
