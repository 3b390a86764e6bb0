/**
 * `@transmit-edge/core`: a runtime-agnostic client for Transmit Security (Mosaic)'s backend Passwords API.
 * Web APIs and `jose` only; runs unchanged on Cloudflare Workers, Deno, Bun and Node >= 20.
 *
 * @packageDocumentation
 */
export { createTransmitClient, type TransmitClient, type TransmitClientOptions } from "./client.js";
export { TransmitError, type TransmitErrorCode, type TransmitErrorInit } from "./errors.js";
export type { TokenAlgorithm } from "./jwks/verify.js";
export { type NearestRegionOptions, nearestRegion, type RegionHint } from "./nearest-region.js";
export { isRegionName, productionRegions, type RegionInfo, regions } from "./regions.js";
export { createMemoryTokenCache, type MemoryTokenCacheOptions } from "./token-cache.js";
export { redactTokenSet } from "./token-set.js";
export type { RetrySettings } from "./transport.js";
export type {
  ClaimsRequest,
  ClientAttributes,
  PasswordAuthenticateInput,
  PasswordResetInput,
  PasswordResetResult,
  RegionName,
  RequestOptions,
  RouteName,
  SessionAuthenticateInput,
  TokenCache,
  TokenSet,
  TransmitEvent,
  VerifiedClaims,
  VerifyAccessTokenOptions,
} from "./types.js";
