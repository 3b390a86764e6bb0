/**
 * Response header parsing shared by the transport (events) and response processing (errors). A module of its own so
 * that neither imports the other.
 */

/** Request ids are copied into errors and events: only id-shaped values, never free text. */
const SAFE_REQUEST_ID = /^[\w.:/+=-]{1,128}$/;

/** Reads the upstream request id from the usual headers, when it looks like one. */
export function requestIdOf(headers: Headers): string | undefined {
  const id = headers.get("x-request-id") ?? headers.get("x-correlation-id") ?? headers.get("request-id");
  return id !== null && SAFE_REQUEST_ID.test(id) ? id : undefined;
}
