/**
 * RFC 9457 problem details with stable `type`s, and the mapping from core error codes to HTTP. Bodies are fixed
 * text: nothing from the request or from Transmit is echoed, so responses for the same decision are identical
 * byte for byte.
 */
import { TransmitError, type TransmitErrorCode } from "@transmit-edge/core";

/**
 * Stable problem kinds; the `type` URI is `urn:transmit-edge:problem:<kind>`.
 *
 * @example
 * ```ts
 * const kind: ProblemKind = "invalid_credentials"; // type urn:transmit-edge:problem:invalid_credentials
 * ```
 */
export type ProblemKind =
  | "invalid_request"
  | "credentials_in_query"
  | "invalid_credentials"
  | "unauthorized"
  | "password_change_required"
  | "password_rejected"
  | "forbidden_origin"
  | "method_not_allowed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "too_many_requests"
  | "upstream_error"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "server_error"
  | "mfa_required"
  | "invalid_code";

interface ProblemSpec {
  status: number;
  title: string;
}

const SPECS: Record<ProblemKind, ProblemSpec> = {
  invalid_request: { status: 400, title: "The request is invalid" },
  credentials_in_query: { status: 400, title: "Credentials must not be sent in the URL" },
  invalid_credentials: { status: 401, title: "Invalid username or password" },
  unauthorized: { status: 401, title: "Authentication required" },
  password_change_required: { status: 403, title: "The password must be changed" },
  password_rejected: { status: 400, title: "The new password was rejected" },
  forbidden_origin: { status: 403, title: "Cross-site request refused" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  payload_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported content type" },
  too_many_requests: { status: 429, title: "Too many attempts, try again later" },
  upstream_error: { status: 502, title: "The identity provider failed" },
  upstream_unavailable: { status: 503, title: "The identity provider is unavailable" },
  upstream_timeout: { status: 504, title: "The identity provider did not answer in time" },
  server_error: { status: 500, title: "Server error" },
  // Second factor (mfa-routes.ts).
  mfa_required: { status: 403, title: "A second factor is required" },
  invalid_code: { status: 401, title: "The code is wrong or has expired" },
};

/**
 * The `type` URI of a problem kind, for matching error responses.
 *
 * @example
 * ```ts
 * if (body.type === problemType("too_many_requests")) showRetryLater(res.headers.get("Retry-After"));
 * ```
 */
export const problemType = (kind: ProblemKind): string => `urn:transmit-edge:problem:${kind}`;

/** HTTP status of a problem kind. */
export const problemStatus = (kind: ProblemKind): number => SPECS[kind].status;

/** Longest `Retry-After` sent, in seconds (every path: limiter, upstream, rendered page). */
export const MAX_RETRY_AFTER = 3600;

/** The `Retry-After` value for a wait of `seconds`: whole seconds from 1 to {@link MAX_RETRY_AFTER}. */
export function retryAfterHeader(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.ceil(seconds) : MAX_RETRY_AFTER;
  return String(Math.min(MAX_RETRY_AFTER, Math.max(1, s)));
}

/** Extra members of one problem body. */
export interface ProblemExtras {
  /** Name of the invalid field (400 only). Never its value. */
  field?: string;
  /** Fixed extra members (`mfa_required`: the methods offered and where to verify). Never request data. */
  members?: Record<string, string | readonly string[]>;
}

/** JSON text of a problem body. */
export function problemBody(kind: ProblemKind, extras: ProblemExtras = {}): string {
  const spec = SPECS[kind];
  const body: Record<string, unknown> = {
    type: problemType(kind),
    title: spec.title,
    status: spec.status,
    ...extras.members,
  };
  if (extras.field !== undefined) {
    body.detail = `Invalid or missing field: ${extras.field}`;
    body["invalid-params"] = [{ name: extras.field }];
  }
  return JSON.stringify(body);
}

/**
 * The problem kind of each core error code. A `Record` over `TransmitErrorCode`, so a code added to core does not
 * compile here until it is given an answer. Credential-like failures (wrong password, unknown user, locked,
 * rejected input) all collapse into the generic `invalid_credentials` so no account state leaks; our own
 * misconfiguration (`configuration`, `unauthorized_client`: Transmit refused our client credentials) fails closed.
 */
const PROBLEM_OF_CODE: Record<TransmitErrorCode, ProblemKind> = {
  invalid_credentials: "invalid_credentials",
  locked: "invalid_credentials",
  invalid_request: "invalid_credentials",
  password_change_required: "password_change_required",
  token_invalid: "unauthorized",
  session_not_found: "unauthorized",
  timeout: "upstream_timeout",
  aborted: "upstream_timeout",
  rate_limited: "upstream_unavailable",
  upstream_unavailable: "upstream_unavailable",
  network: "upstream_error",
  invalid_response: "upstream_error",
  unauthorized_client: "server_error",
  configuration: "server_error",
  // Account journey codes (sign-up, forgot password). A taken identifier is answered as a generic invalid request
  // (the sign-up page decides how much to say); an unreachable user collapses like a wrong password.
  identifier_taken: "invalid_request",
  password_rejected: "password_rejected",
  user_not_found: "invalid_credentials",
};

/** The problem kind for a thrown error: a core `TransmitError` by its code (any installed copy), else `server_error`. */
export function problemForError(e: unknown): ProblemKind {
  // A newer core (another installed copy) may know codes this build does not: those fail closed.
  return TransmitError.is(e) ? (PROBLEM_OF_CODE[e.code] ?? "server_error") : "server_error";
}

/** Whether Transmit said the session, token or credentials are no good (as opposed to failing to answer). */
export function isRefusal(e: unknown): boolean {
  const kind = problemForError(e);
  return kind === "unauthorized" || kind === "invalid_credentials";
}
