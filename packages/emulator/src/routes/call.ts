/** What every emulated operation receives. */
import type { Engine, Region } from "../engine.js";
import type { ClientRecord } from "../state.js";

/** One call to an emulated Transmit operation. */
export interface Call {
  engine: Engine;
  region: Region;
  request: Request;
  /** Region root URL as seen by the caller, e.g. `http://127.0.0.1:4010/eu`. */
  root: string;
  /** Raw request body text (already size-checked). */
  text: string;
  params: Record<string, string>;
  /** Emulator time of the call (epoch ms). */
  now: number;
  /** The authenticated client (backend operations only). */
  client?: ClientRecord;
}

/** An emulated operation. */
export type Handler = (call: Call) => Promise<Response>;
