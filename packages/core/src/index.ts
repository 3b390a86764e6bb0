/**
 * `@transmit-edge/core`: a runtime-agnostic client for Transmit Security (Mosaic)'s backend Passwords API.
 * Web APIs and `jose` only; runs unchanged on Cloudflare Workers, Deno, Bun and Node >= 22.
 *
 * @packageDocumentation
 */

export type { BodyLimits } from "./body.ts";
export { type BearerChallengeOptions, bearerChallenge } from "./challenge.ts";
export { createTransmitClient, type TransmitClient, type TransmitClientOptions } from "./client.ts";
export type { LoginClientOptions, TestingOptions, TransmitLoginClient } from "./engine.ts";
export {
  type AccountErrorCode,
  TransmitError,
  type TransmitErrorCode,
  type TransmitErrorInit,
} from "./errors.ts";
export type { TokenAlgorithm } from "./jwks/verify.ts";
export { type NearestRegionOptions, nearestRegion, type RegionHint } from "./nearest-region.ts";
export { isRegionName, productionRegions, type RegionInfo, regions } from "./regions.ts";
export { createMemoryTokenCache, type MemoryTokenCacheOptions } from "./token-cache.ts";
export { redactTokenSet } from "./token-set.ts";
export type { RetrySettings } from "./transport.ts";
export type {
  ClaimsRequest,
  ClientAttributes,
  CreatedUser,
  IdentifierType,
  OtpAuthenticateInput,
  OtpSendInput,
  OtpSendResult,
  PasswordAuthenticateInput,
  PasswordResetCodeInput,
  PasswordResetCodeVerifyInput,
  PasswordResetEmailInput,
  PasswordResetInput,
  PasswordResetResult,
  RegionName,
  RequestOptions,
  ResetTokenResult,
  RouteName,
  SessionAuthenticateInput,
  TokenCache,
  TokenSet,
  TotpAuthenticateInput,
  TraceContext,
  TransmitEvent,
  UserCreateInput,
  VerifiedClaims,
  VerifyAccessTokenOptions,
} from "./types.ts";
