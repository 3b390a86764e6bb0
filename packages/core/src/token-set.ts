/**
 * TokenSet objects whose serialisations are redacted: `JSON.stringify`, `String()` and the inspect hooks of
 * Node, Bun and Deno print `[REDACTED]` instead of tokens and the session id. The properties themselves are plain
 * enumerable data, so `{ ...tokenSet }` and `structuredClone` still copy the values for deliberate storage.
 */
import type { TokenSet } from "./types.ts";

const REDACTED = "[REDACTED]";
const SECRET_FIELDS = ["accessToken", "idToken", "refreshToken", "sessionId"] as const;

/** Secret-free view of a TokenSet, used for `toJSON` and console output. */
export function redactTokenSet(tokens: TokenSet): Record<string, unknown> {
  const out: Record<string, unknown> = { tokenType: tokens.tokenType, expiresIn: tokens.expiresIn };
  for (const field of SECRET_FIELDS) if (tokens[field] !== undefined) out[field] = REDACTED;
  return out;
}

function hide(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: true });
}

/** Returns `fields` as a TokenSet whose serialisations are redacted. */
export function createTokenSet(fields: TokenSet): TokenSet {
  const tokens: TokenSet = { ...fields };
  const view = () => redactTokenSet(tokens);
  hide(tokens, "toJSON", view);
  hide(tokens, "toString", () => `TokenSet ${JSON.stringify(view())}`);
  hide(tokens, Symbol.for("nodejs.util.inspect.custom"), view);
  hide(tokens, Symbol.for("Deno.customInspect"), () => `TokenSet ${JSON.stringify(view())}`);
  return tokens;
}
