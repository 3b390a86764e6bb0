/**
 * One-time codes by email, SMS or directly, and TOTP: the backend "one-time login" and TOTP APIs, used alone or, with
 * the password login's `session_id`, as a second factor. Shapes and sources: `docs/account-journey.md`.
 */
import { checkCode, issueCode } from "../codes.js";
import { jsonResponse } from "../failures.js";
import { optString } from "../input.js";
import type { IdentifierType } from "../state.js";
import { matchTotp } from "../totp.js";
import { type Call, readBody } from "./call.js";
import { completeSignIn, joinSession, resourceError } from "./factors.js";

const MINUTE = 60_000;
const CHANNELS = ["sms", "email", "direct"] as const;
const IDENTIFIER_TYPES: readonly IdentifierType[] = ["email", "phone_number", "user_id", "username"];

/**
 * `amr` value per channel: `eotp` and `sms` are in Transmit's ID-token reference; a code handed over directly has
 * none there, so RFC 8176's generic `otp` is used (inferred), as is `totp` for TOTP.
 */
const AMR = { email: "eotp", sms: "sms", direct: "otp" } as const;
const TOTP_AMR = "totp";

/** Fields accepted by every sign-in (documented for all backend authentications). */
const SIGN_IN_FIELDS = {
  session_id: ["string", false],
  resource: ["string", false],
  claims: ["object", false],
  org_id: ["string", false],
  client_attributes: ["object", false],
  device_id: ["string", false],
} as const;

function enumError(name: string, value: string | undefined, allowed: readonly string[]): string[] {
  return value === undefined || allowed.includes(value)
    ? []
    : [`${name} must be one of the following values: ${allowed.join(", ")}`];
}

/** `POST /cis/v1/auth/otp/send`: emails or texts a code (outbox), or answers with it for `channel: "direct"`. */
export async function otpSend(call: Call): Promise<Response> {
  const read = readBody(call, {
    channel: ["string", true],
    identifier_type: ["string", true],
    identifier: ["string", true],
    email_content: ["object", false],
    custom_sms_input: ["object", false],
    approval_data: ["object", false],
    custom_email: ["string", false],
    custom_phone_number: ["string", false],
    client_attributes: ["object", false],
    device_id: ["string", false],
    expires_in: ["number", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const channel = body.channel as (typeof CHANNELS)[number];
  const type = body.identifier_type as IdentifierType;
  const messages = [
    ...enumError("channel", channel, CHANNELS),
    ...enumError("identifier_type", type, IDENTIFIER_TYPES),
  ];
  const expiresIn = body.expires_in as number | undefined;
  if (expiresIn !== undefined && !(expiresIn > 0)) messages.push("expires_in must be a positive number");
  if (messages.length > 0) return engine.failures.respond("validation", { messages });
  const user = region.state.findByIdentifier(body.identifier as string, type);
  if (!user) return engine.failures.respond("otp_user_not_found");
  let to: string | undefined;
  if (channel === "email") {
    to = optString(body, "custom_email") ?? user.email;
    if (to === undefined) return engine.failures.respond("otp_email_missing");
  } else if (channel === "sms") {
    to = optString(body, "custom_phone_number") ?? user.phoneNumber;
    if (to === undefined) return engine.failures.respond("otp_phone_missing");
  }
  const record = issueCode(region.state, "login", {
    userId: user.userId,
    channel,
    length: engine.codes.otpLength,
    ttlMs: (expiresIn ?? engine.codes.otpValidityMinutes) * MINUTE,
    now,
  });
  if (channel !== "direct" && to !== undefined) {
    const content = body.email_content as { subject?: unknown } | undefined;
    engine.send(
      region,
      {
        channel,
        to,
        kind: "one_time_code",
        user_id: user.userId,
        ...(channel === "email"
          ? { subject: typeof content?.subject === "string" ? content.subject : "Your one-time code" }
          : {}),
        code: record.code,
        expires_at: new Date(record.expiresAt).toISOString(),
      },
      now,
    );
  }
  return jsonResponse({
    message: "OTP sent",
    ...(body.approval_data !== undefined ? { approval_data: body.approval_data } : {}),
    ...(channel === "direct" ? { code: record.code } : {}),
  });
}

/** `POST /cis/v1/auth/otp/authenticate`: checks the code and returns the token set. */
export async function otpAuthenticate(call: Call): Promise<Response> {
  const read = readBody(call, {
    passcode: ["string", true],
    identifier_type: ["string", true],
    identifier: ["string", true],
    request_id: ["string", false],
    ...SIGN_IN_FIELDS,
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const type = body.identifier_type as IdentifierType;
  const invalid = enumError("identifier_type", type, IDENTIFIER_TYPES);
  if (invalid.length > 0) return engine.failures.respond("validation", { messages: invalid });
  const resource = optString(body, "resource");
  const resourceFailure = resourceError(call, resource);
  if (resourceFailure) return resourceFailure;
  const user = region.state.findByIdentifier(body.identifier as string, type);
  // Checked before the code, so a wrong session_id does not use the code up.
  const joined = joinSession(call, optString(body, "session_id"), user?.userId);
  if ("error" in joined) return joined.error;
  if (user?.status !== "Active") return engine.failures.respond("invalid_passcode");
  const check = checkCode(region.state, "login", {
    userId: user.userId,
    passcode: body.passcode as string,
    now,
    maxFailures: engine.codes.maxCodeFailures,
    lockoutMs: engine.codes.codeLockoutMinutes * MINUTE,
  });
  if (!check.ok) {
    if (check.reason === "locked") return engine.failures.respond("passcode_locked");
    if (check.reason === "expired") return engine.failures.respond("passcode_expired");
    return engine.failures.respond("invalid_passcode");
  }
  return completeSignIn(call, {
    user,
    method: AMR[check.record.channel],
    ...(joined.session ? { session: joined.session } : {}),
    ...(resource !== undefined ? { resource } : {}),
    claims: body.claims,
  });
}

/** `POST /cis/v1/auth/totp/authenticate`: checks an RFC 6238 token against the user's registered secret. */
export async function totpAuthenticate(call: Call): Promise<Response> {
  const read = readBody(call, {
    token: ["string", true],
    identifier: ["string", true],
    identifier_type: ["string", false],
    ...SIGN_IN_FIELDS,
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const type = (optString(body, "identifier_type") ?? "email") as IdentifierType;
  const invalid = enumError("identifier_type", type, IDENTIFIER_TYPES);
  if (invalid.length > 0) return engine.failures.respond("validation", { messages: invalid });
  const resource = optString(body, "resource");
  const resourceFailure = resourceError(call, resource);
  if (resourceFailure) return resourceFailure;
  const user = region.state.findByIdentifier(body.identifier as string, type);
  const joined = joinSession(call, optString(body, "session_id"), user?.userId);
  if ("error" in joined) return joined.error;
  const totp = user?.totp;
  // No user, no TOTP registered and a wrong token all answer alike.
  if (!user || !totp || user.status !== "Active") return engine.failures.respond("invalid_totp");
  if (now < totp.lockedUntil) return engine.failures.respond("passcode_locked");
  const step = await matchTotp(totp.secret, body.token as string, now, {
    past: engine.codes.totpWindowSteps,
    future: engine.codes.totpFutureSteps,
  });
  // A token is accepted once: a step at or before the last accepted one is a replay (RFC 6238 section 5.2).
  if (step === undefined || step <= totp.lastStep) {
    totp.failures += 1;
    if (totp.failures >= engine.codes.maxTotpFailures) {
      totp.lockedUntil = now + engine.codes.totpLockoutMinutes * MINUTE;
      totp.failures = 0;
    }
    return engine.failures.respond("invalid_totp");
  }
  totp.failures = 0;
  totp.lastStep = step;
  return completeSignIn(call, {
    user,
    method: TOTP_AMR,
    ...(joined.session ? { session: joined.session } : {}),
    ...(resource !== undefined ? { resource } : {}),
    claims: body.claims,
  });
}
