/**
 * Bounded reads of upstream bodies. Bytes are counted as they come out of `res.body`, i.e. after the runtime has
 * undone any `Content-Encoding`, so a gzip bomb is stopped at the same limit as a plain body. Past the limit the
 * stream is cancelled and the call fails with `invalid_response`; memory grows by little more than the limit.
 * The read is raced against the call's deadline, so a body that ignores the abort signal cannot hold the call.
 * Limits and the sizes behind them: docs/core-reliability.md, "Body limits".
 */
import { type Deadline, untilDeadline } from "./deadline.ts";
import { transmitError } from "./errors.ts";
import type { RouteName } from "./types.ts";

/** Largest upstream bodies read, in bytes, per kind of response. */
export interface BodyLimits {
  /** 200 from the token endpoint (client access token). Default 32 KiB. */
  clientToken: number;
  /** 2xx from the CIS API: user token sets (password, session, refresh), reset and logout answers. Default 512 KiB. */
  tokens: number;
  /** 200 from the JWKS endpoint. Default 128 KiB. */
  jwks: number;
  /** Any non-2xx answer (error bodies are only read for their code). Default 16 KiB. */
  error: number;
}

/** Defaults for {@link BodyLimits}. */
export const DEFAULT_BODY_LIMITS: BodyLimits = {
  clientToken: 32 * 1024,
  tokens: 512 * 1024,
  jwks: 128 * 1024,
  error: 16 * 1024,
};

/** The limit that applies to a response of `route` with `status`. */
export function limitFor(limits: BodyLimits, route: RouteName, status: number): number {
  if (status < 200 || status > 299) return limits.error;
  return route === "token" ? limits.clientToken : route === "jwks" ? limits.jwks : limits.tokens;
}

/** Reads `res`'s body as UTF-8 text, at most `limit` bytes, within `deadline`. */
export async function readBody(res: Response, limit: number, deadline: Deadline, route: RouteName): Promise<string> {
  const body = res.body;
  if (!body) return "";
  const reader = body.getReader();
  try {
    // One race for the whole body (not one per chunk): a stalled read is abandoned at the deadline.
    return await untilDeadline(readAll(reader, limit, res.status, route), deadline, route);
  } catch (error) {
    // Releases the connection. Not awaited: a stream that ignores cancellation must not hold the call either.
    reader.cancel().catch(() => {});
    throw error;
  }
}

async function readAll(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  limit: number,
  status: number,
  route: RouteName,
): Promise<string> {
  // Decoded chunk by chunk (`stream: true` keeps a character split between chunks whole): no copy of the bytes.
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > limit) throw transmitError("invalid_response", { status, route }, `body larger than ${limit} bytes`);
    text += decoder.decode(value, { stream: true });
  }
}
