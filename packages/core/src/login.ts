/**
 * `@transmit-edge/core/login`: password login only. The same login as `createTransmitClient(...).passwords
 * .authenticate` (shared code, engine.ts) without token verification, so an app that only logs users in does not
 * bundle the JWKS cache or `jose`.
 *
 * @module
 */
import {
  authenticatePassword,
  createEngine,
  engines,
  type LoginClientOptions,
  type TransmitLoginClient,
} from "./engine.ts";

export type { BodyLimits } from "./body.ts";
export type { LoginClientOptions, TestingOptions, TransmitLoginClient } from "./engine.ts";
export {
  type AccountErrorCode,
  TransmitError,
  type TransmitErrorCode,
  type TransmitErrorInit,
} from "./errors.ts";
export { createMemoryTokenCache, type MemoryTokenCacheOptions } from "./token-cache.ts";
export type { RetrySettings } from "./transport.ts";
export type {
  ClaimsRequest,
  ClientAttributes,
  PasswordAuthenticateInput,
  RegionName,
  RequestOptions,
  RouteName,
  TokenCache,
  TokenSet,
  TraceContext,
  TransmitEvent,
} from "./types.ts";

/**
 * Creates a login-only Transmit client. Options are those of `createTransmitClient` without the token-verification
 * ones, validated immediately (`configuration` errors); nothing is fetched until a login.
 *
 * @example
 * ```ts
 * import { createLoginClient } from "@transmit-edge/core/login";
 *
 * const transmit = createLoginClient({ region: "eu", clientId: env.ID, clientSecret: env.SECRET });
 * const tokens = await transmit.passwords.authenticate({ username, password });
 * ```
 */
export function createLoginClient(options: LoginClientOptions): TransmitLoginClient {
  const engine = createEngine(options);
  const client: TransmitLoginClient = {
    root: engine.config.root,
    region: engine.config.region,
    passwords: { authenticate: (input, opts) => authenticatePassword(engine, input, opts) },
  };
  engines.set(client, engine);
  return client;
}
