/**
 * Parsing of Transmit's error bodies (docs/transmit-contract.md, "Error bodies"): `{message: string | string[], error_code:
 * number | string}`, the 403 reset shape with `reset_token`, OAuth `{error, error_description}`, and anything
 * else (HTML, truncated JSON, empty) which parses to an empty body.
 */

/**
 * What an `error_code` may look like to be kept: Transmit's codes are numbers or snake_case symbols
 * (`auth_invalid_credentials`, `invalid_client`; docs/transmit-contract.md, "Error bodies"). Anything else (free
 * text, an echoed request, megabytes) is dropped.
 */
export const SAFE_CODE = /^[\w.:-]{1,64}$/;

/** What the client understands of an error body. */
export interface ErrorBody {
  /** `message`, first element when it is an array. Used for classification only, never surfaced. */
  message?: string;
  /** `error_code` (number or string) or OAuth `error`, as a string. */
  code?: string;
  /** `reset_token` of a forced-change 403. */
  resetToken?: string;
  /** True when `message` was an array: the NestJS-style validation shape (`BadRequestHttpError`). */
  validation?: boolean;
}

/** Parses JSON text leniently: returns `undefined` for non-JSON, truncated JSON or non-object values. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Reduces any error body text to {@link ErrorBody}. Never throws. */
export function parseErrorBody(text: string): ErrorBody {
  const json = parseJsonObject(text);
  if (!json) return {};
  const out: ErrorBody = {};
  const rawMessage = json.message;
  const message = Array.isArray(rawMessage)
    ? asString(rawMessage[0])
    : (asString(rawMessage) ?? asString(json.error_description));
  if (message !== undefined) out.message = message;
  if (Array.isArray(rawMessage)) out.validation = true;
  const code = asString(json.error_code) ?? asString(json.error) ?? asString(json.ts_error_code);
  // Only code-shaped values: an upstream that echoes the request must not put a password into an error.
  if (code !== undefined && SAFE_CODE.test(code)) out.code = code;
  const resetToken = asString(json.reset_token);
  if (resetToken) out.resetToken = resetToken;
  return out;
}

/** True when a 401 means Transmit refused the *client access token* (not the user's credentials). */
export function isInvalidClientTokenBody(body: ErrorBody, wwwAuthenticate: string | null): boolean {
  // An absent value is tested as "undefined" or "null", which none of the patterns matches.
  return (
    /^\s*invalid token\s*$/i.test(body.message as string) ||
    /^invalid_token$/i.test(body.code as string) ||
    /error\s*=\s*"?invalid_token/i.test(wwwAuthenticate as string)
  );
}
