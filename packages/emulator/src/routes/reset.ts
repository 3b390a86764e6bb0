/**
 * Forgot password by email: the reset link, the reset one-time code and its validation. Shapes and their sources are
 * in `docs/account-journey.md`; both starts answer 404 for an unknown user, as Transmit documents (a product that
 * must not reveal who has an account hides that answer itself).
 */
import { checkCode, issueCode } from "../codes.js";
import { randomId } from "../crypto.js";
import { jsonResponse } from "../failures.js";
import { checkFields, optString } from "../input.js";
import { issueResetToken } from "../tokens.js";
import { type Call, readBody } from "./call.js";

const MINUTE = 60_000;
/** Subjects when the request gives no `email_content.subject` (inferred; Transmit's templates are not published). */
const LINK_SUBJECT = "Reset your password";
const CODE_SUBJECT = "Your password reset code";

/** Fields shared by both reset starts (documented). */
const START_FIELDS = {
  email_content: ["object", false],
  prev_reset_token: ["string", false],
  ignore_mfa: ["boolean", false],
} as const;

/** `email_content` must carry a `subject` (documented as required inside the object). */
function emailContentErrors(body: Record<string, unknown>): string[] {
  const content = body.email_content as Record<string, unknown> | undefined;
  if (!content) return [];
  return checkFields(content, { subject: ["string", true] }).map((m) => `email_content.${m}`);
}

/** `POST /cis/v1/auth/password/reset/email/link`: emails a link `redirect_uri?code=<reset code>`. */
export async function resetEmailLink(call: Call): Promise<Response> {
  const read = readBody(call, {
    username: ["string", false],
    email: ["string", false],
    redirect_uri: ["string", true],
    ...START_FIELDS,
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const username = optString(body, "username");
  const email = optString(body, "email");
  const messages = emailContentErrors(body);
  if ((username === undefined) === (email === undefined)) messages.push("pass either username or email, but not both");
  let redirect: URL | undefined;
  try {
    redirect = new URL(body.redirect_uri as string);
  } catch {
    messages.push("redirect_uri must be a URL");
  }
  if (messages.length > 0 || !redirect) return engine.failures.respond("validation", { messages });
  const user =
    username !== undefined ? region.state.findUser(username, "username") : region.state.findUser(email!, "email");
  if (!user) return engine.failures.respond("reset_user_not_found");
  if (user.email === undefined) return engine.failures.respond("email_not_verified");
  const ttlMinutes = engine.policy.resetValidityMinutes;
  const resetToken = await issueResetToken(region, user, now, ttlMinutes);
  // Documented: the redirect URI receives the reset token as `code`. "opaque" hands out a stand-in instead.
  let code = resetToken;
  if (engine.resetLinkCode === "opaque") {
    code = randomId(24);
    region.state.resetLinkCodes.set(code, resetToken);
  }
  redirect.searchParams.set("code", code);
  const content = body.email_content as { subject?: string } | undefined;
  engine.send(
    region,
    {
      channel: "email",
      to: user.email,
      kind: "password_reset_link",
      user_id: user.userId,
      subject: content?.subject ?? LINK_SUBJECT,
      link: redirect.toString(),
      code,
      expires_at: new Date(now + ttlMinutes * MINUTE).toISOString(),
    },
    now,
  );
  return jsonResponse({ message: "Reset password email sent" });
}

/** `POST /cis/v1/auth/password/reset/email/otp`: emails a reset code of `codeLength` digits. */
export async function resetEmailOtp(call: Call): Promise<Response> {
  const read = readBody(call, { email: ["string", true], ...START_FIELDS });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const messages = emailContentErrors(body);
  if (messages.length > 0) return engine.failures.respond("validation", { messages });
  const user = region.state.findUser(body.email as string, "email");
  if (!user?.email) return engine.failures.respond("reset_user_not_found");
  const record = issueCode(region.state, "reset", {
    userId: user.userId,
    channel: "email",
    length: engine.policy.codeLength,
    ttlMs: engine.policy.resetValidityMinutes * MINUTE,
    now,
  });
  const content = body.email_content as { subject?: string } | undefined;
  engine.send(
    region,
    {
      channel: "email",
      to: user.email,
      kind: "password_reset_code",
      user_id: user.userId,
      subject: content?.subject ?? CODE_SUBJECT,
      code: record.code,
      expires_at: new Date(record.expiresAt).toISOString(),
    },
    now,
  );
  return jsonResponse({ message: "Email Sent" });
}

/** `POST /cis/v1/auth/password/reset/email/otp/validate`: `{email, passcode}` -> `{result: <reset token>}`. */
export async function resetEmailOtpValidate(call: Call): Promise<Response> {
  const read = readBody(call, { email: ["string", true], passcode: ["string", true] });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region, now } = call;
  const user = region.state.findUser(body.email as string, "email");
  if (!user) return engine.failures.respond("reset_user_not_found");
  const check = checkCode(region.state, "reset", {
    userId: user.userId,
    passcode: body.passcode as string,
    now,
    maxFailures: engine.codes.maxCodeFailures,
    lockoutMs: engine.codes.codeLockoutMinutes * MINUTE,
  });
  if (!check.ok) {
    return engine.failures.respond(check.reason === "locked" ? "passcode_locked" : "invalid_reset_passcode");
  }
  const resetToken = await issueResetToken(region, user, now, engine.policy.resetValidityMinutes);
  return jsonResponse({ result: resetToken });
}
