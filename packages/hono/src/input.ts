/**
 * Request bodies: JSON or a urlencoded form, validated with valibot through `@hono/standard-validator`.
 * Schemas are strict about types and lengths and drop unknown keys, so nothing unexpected (`__proto__` included)
 * is forwarded. Strings are passed on exactly as received: no trimming, no normalisation.
 */
import { sValidator } from "@hono/standard-validator";
import type { Context, MiddlewareHandler } from "hono";
import * as v from "valibot";
import { mediaType } from "./http-policy.ts";

/** Longest username accepted (email addresses are at most 254; phone numbers and usernames are shorter). */
export const MAX_USERNAME = 320;
/** Longest password accepted: well above NIST's 64 minimum and below the body limit. */
export const MAX_PASSWORD = 1024;

const text = (max: number) => v.pipe(v.string(), v.minLength(1), v.maxLength(max));

/** Body of `POST /login`. */
export const loginSchema = v.object({
  username: text(MAX_USERNAME),
  password: text(MAX_PASSWORD),
  returnTo: v.optional(v.pipe(v.string(), v.maxLength(2048))),
});

/** Body of `POST /password`. */
export const passwordSchema = v.object({
  newPassword: text(MAX_PASSWORD),
  returnTo: v.optional(v.pipe(v.string(), v.maxLength(2048))),
});

/** Validated login input. */
export type LoginInput = v.InferOutput<typeof loginSchema>;
/** Validated password-change input. */
export type PasswordInput = v.InferOutput<typeof passwordSchema>;

/** Body kinds the router accepts. */
export type BodyKind = "json" | "form";

/** `json`, `form` (urlencoded only) or `undefined` for anything else. */
export function bodyKind(c: Context): BodyKind | undefined {
  const type = mediaType(c);
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  return undefined;
}

type Schema = typeof loginSchema | typeof passwordSchema;

/** Name of the first invalid field from standard-schema issues (`body` when the body itself is wrong). */
function fieldOf(issues: readonly { path?: readonly unknown[] }[]): string {
  const first = issues[0]?.path?.[0];
  const key = typeof first === "object" && first !== null ? (first as { key?: unknown }).key : first;
  return typeof key === "string" && /^[A-Za-z]{1,32}$/.test(key) ? key : "body";
}

/** Answers an invalid body; gets the name of the first invalid field (`body` when the body itself is wrong). */
export type OnInvalid = (c: Context, field: string) => Response | Promise<Response>;

/**
 * Validation middleware for the body kind of the request. Failures go to `onInvalid` with the name of the field
 * (never its value). Read the result with {@link validInput}.
 */
export function validateBody(schema: Schema, onInvalid: OnInvalid): MiddlewareHandler {
  const hook = (
    result: { success: boolean; error?: readonly { path?: readonly unknown[] }[] },
    c: Context,
  ): Response | Promise<Response> | undefined => {
    if (result.success) return undefined;
    const field = fieldOf(result.error ?? []);
    return onInvalid(c, field);
  };
  const json = sValidator("json", schema, hook);
  const form = sValidator("form", schema, hook);
  return async (c, next) => {
    const run = (bodyKind(c) === "form" ? form : json) as unknown as MiddlewareHandler;
    return run(c, next);
  };
}

/** The validated body set by {@link validateBody}. */
export function validInput<T>(c: Context): T {
  const target = bodyKind(c) === "form" ? "form" : "json";
  return (c.req as unknown as { valid(target: string): T }).valid(target);
}
