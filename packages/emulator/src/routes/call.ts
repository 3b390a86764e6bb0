/** What every emulated operation receives, and the body reader they share. */
import type { Engine, Region } from "../engine.js";
import { checkFields, type FieldSpec, parseJsonObject } from "../input.js";
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

/** Parses a JSON body and checks its fields; answers the validation failure otherwise. */
export function readBody(call: Call, spec: FieldSpec): { body: Record<string, unknown> } | { error: Response } {
  // Like the real (NestJS) service, only JSON bodies are parsed: a body sent without a JSON content type is empty.
  const type = call.request.headers.get("content-type") ?? "";
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type.trim())) {
    return {
      error: call.engine.failures.respond("validation", { messages: ["Content-Type must be application/json"] }),
    };
  }
  const parsed = parseJsonObject(call.text);
  if (!parsed.ok) return { error: call.engine.failures.respond("validation", { messages: parsed.messages }) };
  const messages = checkFields(parsed.value, spec);
  if (messages.length > 0) return { error: call.engine.failures.respond("validation", { messages }) };
  return { body: parsed.value };
}
