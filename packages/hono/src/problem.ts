/**
 * RFC 9457 problem details with stable `type`s, and the mapping from core error codes to HTTP. Bodies are fixed
 * text: nothing from the request or from Transmit is echoed, so responses for the same decision are identical
 * byte for byte.
 */

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
  | "server_error";

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

/** Longest `Retry-After` we pass on (seconds). */
export const MAX_RETRY_AFTER = 3600;

/** Extra members and headers of one problem response. */
export interface ProblemExtras {
  /** Name of the invalid field (400 only). Never its value. */
  field?: string;
  /** Seconds for `Retry-After`. */
  retryAfter?: number;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Allow`). */
  headers?: Record<string, string>;
}

/** JSON text of a problem body. */
export function problemBody(kind: ProblemKind, extras: ProblemExtras = {}): string {
  const spec = SPECS[kind];
  const body: Record<string, unknown> = { type: problemType(kind), title: spec.title, status: spec.status };
  if (extras.field !== undefined) {
    body.detail = `Invalid or missing field: ${extras.field}`;
    body["invalid-params"] = [{ name: extras.field }];
  }
  return JSON.stringify(body);
}

/** A complete `application/problem+json` response. */
export function problemResponse(kind: ProblemKind, extras: ProblemExtras = {}): Response {
  const headers = new Headers(extras.headers);
  headers.set("Content-Type", "application/problem+json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  if (extras.retryAfter !== undefined) {
    headers.set("Retry-After", String(Math.min(MAX_RETRY_AFTER, Math.max(1, Math.ceil(extras.retryAfter)))));
  }
  return new Response(problemBody(kind, extras), { status: SPECS[kind].status, headers });
}

/** What the router needs from a thrown error (structurally a core `TransmitError`). */
export interface UpstreamErrorLike {
  code: string;
  retryAfter?: number;
  resetToken?: string;
  message?: string;
}

/** Whether `e` looks like a core `TransmitError` (duck-typed so duplicate copies of core still match). */
export function isTransmitError(e: unknown): e is UpstreamErrorLike {
  return (
    typeof e === "object" &&
    e !== null &&
    (e as { name?: unknown }).name === "TransmitError" &&
    typeof (e as { code?: unknown }).code === "string"
  );
}

/**
 * Maps an error from the client to a problem kind. Credential-like failures (wrong password, unknown user,
 * locked, disabled, rejected input) all collapse into the generic `invalid_credentials` so no account state leaks.
 */
export function problemForError(e: unknown): ProblemKind {
  if (!isTransmitError(e)) return "server_error";
  switch (e.code) {
    case "invalid_credentials":
    case "locked":
    case "invalid_request":
      return "invalid_credentials";
    case "password_change_required":
      return "password_change_required";
    case "token_invalid":
    case "session_not_found":
      return "unauthorized";
    case "timeout":
    case "aborted":
      return "upstream_timeout";
    case "rate_limited":
    case "upstream_unavailable":
      return "upstream_unavailable";
    case "network":
    case "invalid_response":
      return "upstream_error";
    default:
      // configuration, unauthorized_client (our own client credentials are wrong) and anything unknown.
      return "server_error";
  }
}
