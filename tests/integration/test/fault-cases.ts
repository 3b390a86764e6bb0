/**
 * The upstream fault matrix shared by the router and the Worker runs over a real socket: what is injected into the
 * emulator, what the user must see, and how many times the password may reach Transmit.
 */
import type { FaultSpec } from "@transmit-edge/emulator";

export const HTML_PAGE =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>";

export interface FaultCase {
  name: string;
  faults: FaultSpec[];
  /** HTTP status the user sees. */
  status: number;
  /** `reason` of the auth event: the core `TransmitError` code behind the answer (or the router's own reason). */
  reason: string;
  /** Exact number of password POSTs that reached Transmit (the policy allows at most one, or two after 429/503 + Retry-After). */
  passwordCalls: number;
  /** `Retry-After` the user gets, when one is expected. */
  retryAfter?: string;
  /** The answer takes at least this long (a latency or a Retry-After wait that was honoured). */
  minMs?: number;
  /** Faults that act on the first login of a fresh client only (token endpoint, JWKS). */
  coldOnly?: boolean;
}

const pw = (fault: Omit<FaultSpec, "route">): FaultSpec => ({ route: "password.authenticate", ...fault });

/**
 * @param timeoutMs the deadline the app gives every upstream call; latency faults exceed it.
 */
export function faultCases(timeoutMs: number): FaultCase[] {
  return [
    {
      name: "token endpoint down (503 on every retry)",
      faults: [{ route: "oidc.token", status: 503, times: 3 }],
      status: 503,
      reason: "upstream_unavailable",
      passwordCalls: 0,
      coldOnly: true,
    },
    {
      name: "token endpoint hangs",
      faults: [{ route: "oidc.token", hang: true }],
      status: 504,
      reason: "timeout",
      passwordCalls: 0,
      minMs: timeoutMs - 50,
      coldOnly: true,
    },
    {
      name: "JWKS down after a good password (503 on every retry)",
      faults: [{ route: "jwks", status: 503, times: 3 }],
      status: 502,
      reason: "token_unverified",
      passwordCalls: 1,
      coldOnly: true,
    },
    {
      name: "latency above the deadline",
      faults: [pw({ latency_ms: timeoutMs + 2000 })],
      status: 504,
      reason: "timeout",
      passwordCalls: 1,
      minMs: timeoutMs - 50,
    },
    { name: "hang until abort", faults: [pw({ hang: true })], status: 504, reason: "timeout", passwordCalls: 1 },
    {
      name: "connection dropped before the request is processed",
      faults: [pw({ drop: "before" })],
      status: 502,
      reason: "network",
      passwordCalls: 1,
    },
    {
      name: "connection dropped after the request is processed",
      faults: [pw({ drop: "after" })],
      status: 502,
      reason: "network",
      passwordCalls: 1,
    },
    ...[500, 502, 503, 504].map(
      (status): FaultCase => ({
        name: `${status}`,
        faults: [pw({ status })],
        status: 503,
        reason: "upstream_unavailable",
        passwordCalls: 1,
      }),
    ),
    {
      name: "503 + Retry-After longer than the client waits",
      faults: [pw({ status: 503, retry_after: 30 })],
      status: 503,
      reason: "upstream_unavailable",
      passwordCalls: 1,
      retryAfter: "30",
    },
    {
      name: "503 + Retry-After: 1, then success (one retry)",
      faults: [pw({ status: 503, retry_after: 1 })],
      status: 200,
      reason: "success",
      passwordCalls: 2,
      minMs: 950,
    },
    {
      name: "429 + Retry-After: 1, then success (one retry)",
      faults: [pw({ status: 429, retry_after: 1 })],
      status: 200,
      reason: "success",
      passwordCalls: 2,
      minMs: 950,
    },
    {
      name: "429 + Retry-After twice (gives up after one retry)",
      faults: [pw({ status: 429, retry_after: 1, times: 2 })],
      status: 503,
      reason: "rate_limited",
      passwordCalls: 2,
      retryAfter: "1",
    },
    {
      name: "HTML error page (502)",
      faults: [pw({ status: 502, body: HTML_PAGE })],
      status: 503,
      reason: "upstream_unavailable",
      passwordCalls: 1,
    },
    {
      name: "HTML page with status 200",
      faults: [pw({ status: 200, body: HTML_PAGE })],
      status: 502,
      reason: "invalid_response",
      passwordCalls: 1,
    },
    {
      name: "truncated JSON",
      faults: [pw({ status: 200, body: '{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIi' })],
      status: 502,
      reason: "invalid_response",
      passwordCalls: 1,
    },
    {
      name: "200 with missing fields",
      faults: [pw({ status: 200, body: { token_type: "Bearer", session_id: "s" } })],
      status: 502,
      reason: "invalid_response",
      passwordCalls: 1,
    },
  ];
}

/** Upstream text that must never reach the user. */
export const UPSTREAM_TEXT = /<html|bad gateway|injected fault|eyJ|stack|at .*\.js/i;
