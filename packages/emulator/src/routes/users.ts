/** User management: create a user (optionally with a password), register and update passwords. */
import { jsonResponse } from "../failures.js";
import { checkFields, optString } from "../input.js";
import { complexityErrors, passwordChangeReason } from "../policy.js";
import type { UserRecord } from "../state.js";
import { type Call, readBody } from "./call.js";

const DAY = 24 * 3600 * 1000;

/** The user object as returned by the users API (fields relevant to this project). */
export function userJson(user: UserRecord, call: Call): Record<string, unknown> {
  const out: Record<string, unknown> = {
    user_id: user.userId,
    status: user.status,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
  };
  if (user.username !== undefined && user.password) out.username = user.username;
  if (user.email !== undefined) out.email = { value: user.email, email_verified: true };
  if (user.phoneNumber !== undefined) out.phone_number = { value: user.phoneNumber, phone_number_verified: true };
  if (user.givenName !== undefined || user.familyName !== undefined) {
    out.name = { first_name: user.givenName, last_name: user.familyName };
  }
  if (user.password) {
    const policy = call.engine.policy;
    out.password_information = {
      temporary: user.password.temporary,
      expired: passwordChangeReason(user.password, policy, call.now) === "password_expired",
      updated_at: user.password.setAt,
      expires_in: new Date(user.password.setAt + policy.passwordExpiresIn * DAY).toISOString(),
    };
  }
  return out;
}

/** `POST /cis/v1/users`: 201 `{result: User}`; 409 when an identifier is taken. */
export async function usersCreate(call: Call): Promise<Response> {
  const read = readBody(call, {
    email: ["string", false],
    phone_number: ["string", false],
    username: ["string", false],
    credentials: ["object", false],
    name: ["object", false],
    custom_data: ["object", false],
    external_user_id: ["string", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region } = call;
  const messages: string[] = [];
  const email = optString(body, "email");
  const phone = optString(body, "phone_number");
  const username = optString(body, "username");
  if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) messages.push("email must be an email");
  if (phone !== undefined && !/^\+[1-9][0-9]{6,14}$/.test(phone))
    messages.push("phone_number must be a valid phone number");
  if (email === undefined && phone === undefined && username === undefined) {
    // The docs ask for an email or phone number; the vendor's samples create username-only users, so both work.
    messages.push("one of email, phone_number or username must be provided");
  }
  const credentials = body.credentials as Record<string, unknown> | undefined;
  if (credentials) {
    messages.push(
      ...checkFields(credentials, { password: ["string", true], force_replace: ["boolean", false] }).map(
        (m) => `credentials.${m}`,
      ),
    );
  }
  if (messages.length > 0) return engine.failures.respond("validation", { messages });
  const password = credentials?.password as string | undefined;
  if (password !== undefined) {
    const weak = complexityErrors(password, engine.policy);
    if (weak.length > 0) return engine.failures.respond("weak_password", { messages: weak });
  }
  const name = body.name as { first_name?: unknown; last_name?: unknown } | undefined;
  const created = await engine.addUser(region, {
    ...(email !== undefined ? { email } : {}),
    ...(phone !== undefined ? { phone_number: phone } : {}),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password, temporary: credentials?.force_replace !== false } : {}),
    ...(typeof name?.first_name === "string" ? { given_name: name.first_name } : {}),
    ...(typeof name?.last_name === "string" ? { family_name: name.last_name } : {}),
  });
  if ("conflict" in created) {
    return engine.failures.respond("user_exists", { messages: [`User with this ${created.conflict} already exists`] });
  }
  return jsonResponse({ result: userJson(created, call) }, 201);
}

/** `POST /cis/v1/users/{user_id}/password`: registers a first password; 201. */
export async function usersPasswordCreate(call: Call): Promise<Response> {
  const read = readBody(call, {
    password: ["string", true],
    force_replace: ["boolean", false],
    username: ["string", false],
    enforce_complexity: ["boolean", false],
  });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region } = call;
  const user = region.state.users.get(call.params.user_id ?? "");
  if (!user) return engine.failures.respond("user_not_found");
  if (user.password) return engine.failures.respond("password_already_configured");
  const password = body.password as string;
  if (body.enforce_complexity !== false) {
    const weak = complexityErrors(password, engine.policy);
    if (weak.length > 0) return engine.failures.respond("weak_password", { messages: weak });
  }
  const username = optString(body, "username");
  if (username !== undefined && username !== user.username) {
    if (region.state.findUser(username, "username")) {
      return engine.failures.respond("user_exists", { messages: ["User with this username already exists"] });
    }
    user.username = username;
  } else if (user.username === undefined && user.email !== undefined) {
    // Documented: without a username, the (verified) email becomes the username.
    user.username = user.email;
  }
  await engine.setPassword(user, password, body.force_replace !== false);
  return jsonResponse({ result: { message: "Password registered" } }, 201);
}

/** `PUT /cis/v1/users/{user_id}/password`: replaces the password (temporary unless `force_replace: false`); 200. */
export async function usersPasswordUpdate(call: Call): Promise<Response> {
  const read = readBody(call, { password: ["string", true], force_replace: ["boolean", false] });
  if ("error" in read) return read.error;
  const { body } = read;
  const { engine, region } = call;
  const user = region.state.users.get(call.params.user_id ?? "");
  if (!user) return engine.failures.respond("user_not_found");
  if (!user.password) return engine.failures.respond("password_not_configured");
  const password = body.password as string;
  const weak = complexityErrors(password, engine.policy);
  if (weak.length > 0) return engine.failures.respond("weak_password", { messages: weak });
  await engine.setPassword(user, password, body.force_replace !== false);
  region.lockout.succeed(`user:${user.userId}`);
  return jsonResponse({ result: { message: "Password updated" } });
}
