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

const INSPECT_NODE = Symbol.for("nodejs.util.inspect.custom");
const INSPECT_DENO = Symbol.for("Deno.customInspect");

/**
 * The redacting serialisations live on a shared prototype rather than on each object: defining four hidden
 * properties per login cost more CPU than the rest of the response handling (see bench/README.md). Prototype
 * members are neither own nor enumerable, so spreading and `structuredClone` still copy only the values.
 */
class RedactedTokenSet {
  toJSON(this: TokenSet): Record<string, unknown> {
    return redactTokenSet(this);
  }
  toString(this: TokenSet): string {
    return `TokenSet ${JSON.stringify(redactTokenSet(this))}`;
  }
  [INSPECT_NODE](this: TokenSet): Record<string, unknown> {
    return redactTokenSet(this);
  }
  [INSPECT_DENO](this: TokenSet): string {
    return `TokenSet ${JSON.stringify(redactTokenSet(this))}`;
  }
}

/** Returns `fields` as a TokenSet whose serialisations are redacted. */
export function createTokenSet(fields: TokenSet): TokenSet {
  return Object.assign(new RedactedTokenSet(), fields) as TokenSet;
}
