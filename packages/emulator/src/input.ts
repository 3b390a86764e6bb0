/**
 * Request-body parsing and field checks. Messages follow the NestJS class-validator style of Transmit's
 * `BadRequestHttpError` (`{message: string[], error_code: 400}`).
 */

/** A parsed body or the validation messages explaining why it is unusable. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; messages: string[] };

/** Parses a JSON object body. Empty, non-JSON, or non-object bodies are rejected. */
export function parseJsonObject(text: string): Parsed<Record<string, unknown>> {
  if (text.trim() === "") return { ok: false, messages: ["request body must be a JSON object"] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, messages: ["request body must be valid JSON"] };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, messages: ["request body must be a JSON object"] };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

/** Parses an `application/x-www-form-urlencoded` body; repeated keys keep the first value. */
export function parseForm(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
  return out;
}

type FieldType = "string" | "boolean" | "number" | "object" | "string[]";

/** Expected fields: name -> [type, required]. */
export type FieldSpec = Record<string, readonly [FieldType, boolean]>;

/** Checks types and presence of fields; returns validation messages (empty when fine). */
export function checkFields(body: Record<string, unknown>, spec: FieldSpec): string[] {
  const messages: string[] = [];
  for (const [name, [type, required]] of Object.entries(spec)) {
    const value = body[name];
    if (value === undefined || value === null) {
      if (required) messages.push(`${name} should not be empty`, `${name} must be a ${type}`);
      continue;
    }
    if (type === "string") {
      if (typeof value !== "string") messages.push(`${name} must be a string`);
      else if (required && value === "") messages.push(`${name} should not be empty`);
    } else if (type === "boolean" && typeof value !== "boolean") {
      messages.push(`${name} must be a boolean value`);
    } else if (type === "number" && (typeof value !== "number" || !Number.isFinite(value))) {
      messages.push(`${name} must be a number`);
    } else if (type === "object" && (typeof value !== "object" || Array.isArray(value))) {
      messages.push(`${name} must be an object`);
    } else if (type === "string[]" && (!Array.isArray(value) || value.some((v) => typeof v !== "string"))) {
      messages.push(`${name} must be an array of strings`);
    }
  }
  return messages;
}

/** The value of an optional string field already checked by {@link checkFields}. */
export function optString(body: Record<string, unknown>, name: string): string | undefined {
  const v = body[name];
  return typeof v === "string" ? v : undefined;
}
