/**
 * Request bodies: JSON or a urlencoded form, checked against small field rules (hand-written: a schema library and its
 * adapter cost the Worker about 2 KB gzip). The rules are strict about types and lengths and the result holds only
 * the known fields, so nothing unexpected (`__proto__` included) is forwarded. Strings are passed on exactly as
 * received: no trimming, no normalisation. Bodies are read the way Hono's `validator` reads them.
 */
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { bufferToFormData } from "hono/utils/buffer";
import { mediaType } from "./http-policy.ts";

/** Longest username accepted (email addresses are at most 254; phone numbers and usernames are shorter). */
export const MAX_USERNAME = 320;
/** Longest password accepted: well above NIST's 64 minimum and below the body limit. */
export const MAX_PASSWORD = 1024;
/** Longest `returnTo` accepted (it may be empty). */
const MAX_RETURN_TO = 2048;

/** One field's rule: required or optional, a string of `min` to `max` UTF-16 code units. */
type Rule = readonly [field: string, min: number, max: number, optional?: true];

/** The fields of a body, checked in this order; the first that fails is the one reported. */
export type Schema = readonly Rule[];

/** Body of `POST /login`. */
export const loginSchema: Schema = [
  ["username", 1, MAX_USERNAME],
  ["password", 1, MAX_PASSWORD],
  ["returnTo", 0, MAX_RETURN_TO, true],
];

/** Body of `POST /password`. */
export const passwordSchema: Schema = [
  ["newPassword", 1, MAX_PASSWORD],
  ["returnTo", 0, MAX_RETURN_TO, true],
];

/** Body of `POST /signup`: the email address is the username too. */
export const signupSchema: Schema = [
  ["email", 3, MAX_USERNAME],
  ["password", 1, MAX_PASSWORD],
];

/** Body of `POST /forgot-password`: the username or email address of the account. */
export const forgotSchema: Schema = [["username", 1, MAX_USERNAME]];

/** Validated login input. */
export type LoginInput = { username: string; password: string; returnTo?: string };
/** Validated password-change input. */
export type PasswordInput = { newPassword: string; returnTo?: string };

/**
 * Checks `input` against `schema`: the known fields only (a new object), or the name of the first invalid field
 * (`body` when the body is not an object).
 */
export function checkBody(schema: Schema, input: unknown): Record<string, string> | string {
  if (typeof input !== "object" || input === null) return "body";
  const out: Record<string, string> = {};
  for (const [field, min, max, optional] of schema) {
    const present = field in input;
    const value = (input as Record<string, unknown>)[field];
    if (optional && (!present || value === undefined)) continue;
    if (typeof value !== "string" || value.length < min || value.length > max) return field;
    out[field] = value;
  }
  return out;
}

/** Body kinds the router accepts. */
export type BodyKind = "json" | "form";

/** `json`, `form` (urlencoded only) or `undefined` for anything else. */
export function bodyKind(c: Context): BodyKind | undefined {
  const type = mediaType(c);
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  return undefined;
}

/** Answers an invalid body; gets the name of the first invalid field (`body` when the body itself is wrong). */
export type OnInvalid = (c: Context, field: string) => Response | Promise<Response>;

/**
 * Validation middleware for the body kind of the request. Failures go to `onInvalid` with the name of the field
 * (never its value). Read the result with {@link validInput}.
 */
export function validateBody(schema: Schema, onInvalid: OnInvalid): MiddlewareHandler {
  return async (c, next) => {
    const target = bodyKind(c) === "form" ? "form" : "json";
    const result = checkBody(schema, await readBody(c, target));
    if (typeof result === "string") return onInvalid(c, result);
    c.req.addValidatedData(target, result);
    await next();
  };
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * The body as Hono's `validator` reads it: JSON when the media type is JSON (malformed: a 400 `HTTPException`),
 * a form's fields (a repeated field as an array), otherwise an empty object.
 */
async function readBody(c: Context, target: "json" | "form"): Promise<unknown> {
  const contentType = c.req.header("Content-Type");
  const type = contentType ? (contentType.split(";")[0] as string).trim().toLowerCase() : "";
  if (target === "json") {
    if (!JSON_TYPE.test(type)) return {};
    try {
      return await c.req.json();
    } catch {
      throw new HTTPException(400, { message: "Malformed JSON in request body" });
    }
  }
  let formData: FormData;
  const cached = c.req.bodyCache.formData;
  if (cached) formData = await cached;
  else {
    try {
      formData = await bufferToFormData(await c.req.arrayBuffer(), contentType as string);
      c.req.bodyCache.formData = formData;
    } catch (e) {
      throw new HTTPException(400, {
        message: `Malformed FormData request. ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  const form: Record<string, unknown> = Object.create(null);
  formData.forEach((value, key) => {
    const seen = form[key];
    if (Array.isArray(seen)) seen.push(value);
    else if (key.endsWith("[]")) form[key] = [value];
    else form[key] = Object.hasOwn(form, key) ? [seen, value] : value;
  });
  return form;
}

/** The validated body set by {@link validateBody}. */
export function validInput<T>(c: Context): T {
  const target = bodyKind(c) === "form" ? "form" : "json";
  return (c.req as unknown as { valid(target: string): T }).valid(target);
}
