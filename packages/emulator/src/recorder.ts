/** The request log behind `GET /__emulator/requests`, with secrets redacted. */
import type { RouteName } from "./faults.js";
import type { RegionName } from "./options.js";

/** Field names whose values never appear in the log. */
const SECRET_FIELDS = new Set([
  "password",
  "new_password",
  "client_secret",
  "refresh_token",
  "access_token",
  "id_token",
  "reset_token",
  "token",
  "prev_reset_token",
  "passcode",
  "code",
]);

/** Oldest entries are dropped beyond this many, so long benchmark runs stay bounded. */
const MAX_ENTRIES = 10_000;

/** One recorded call. */
export interface RecordedCall {
  method: string;
  region: RegionName;
  route: RouteName;
  path: string;
  /** Answer status; null when the connection was dropped or the call hung. */
  status: number | null;
  /** Emulator-clock ISO time of the call. */
  time: string;
  duration_ms: number;
  /** Request body (JSON or form) with secrets replaced by "[redacted]"; raw text is not kept. */
  body: unknown;
  /** The fault applied, if any. */
  fault?: string;
}

/** Replaces secret fields, at any depth, with "[redacted]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // Only scalar values are secrets: `claims.id_token` is a claims request object, not a token.
      out[k] = SECRET_FIELDS.has(k) && (v === null || typeof v !== "object") ? "[redacted]" : redact(v);
    }
    return out;
  }
  return value;
}

/** Append-only call log. */
export class Recorder {
  #calls: RecordedCall[] = [];

  add(call: RecordedCall): RecordedCall {
    this.#calls.push(call);
    if (this.#calls.length > MAX_ENTRIES) this.#calls.shift();
    return call;
  }

  list(filter: { region?: string; route?: string } = {}): RecordedCall[] {
    return this.#calls.filter(
      (c) => (!filter.region || c.region === filter.region) && (!filter.route || c.route === filter.route),
    );
  }

  clear(): void {
    this.#calls = [];
  }
}
