/**
 * An existing Hono app on Cloudflare Workers (a small notes API) with Transmit password login added.
 * The lines marked "added" are all it takes: one auth instance built from the Worker's env (a Transmit client,
 * sealed-cookie sessions, a limiter), its login routes at /auth, and its guard in front of /notes.
 */

import { env } from "cloudflare:workers";
import { createTransmitClient } from "@transmit-edge/core";
import { cookieSessionStore, memoryLimiter, transmitAuth } from "@transmit-edge/hono";
import { Hono } from "hono";

export interface Bindings {
  TRANSMIT_CLIENT_ID: string;
  TRANSMIT_CLIENT_SECRET: string;
  /** us | eu | ca | au */
  TRANSMIT_REGION: "us" | "eu" | "ca" | "au";
  /** Empty for Transmit's real host; the local emulator's region root in development. */
  TRANSMIT_BASE_URL: string;
  /** >= 32 random bytes; seals the session cookie. */
  SESSION_SECRET: string;
}

const app = new Hono<{ Bindings: Bindings }>();

// The app as it was: public pages and a notes API.
const notes = new Map<string, string[]>();
app.get("/", (c) => c.text("Notes. Sign in with POST /auth/login, then GET /notes.\n"));
app.get("/health", (c) => c.json({ ok: true }));

// --- added: Transmit login --------------------------------------------------------------------------------------
// Built once per isolate: `cloudflare:workers` gives the env (secrets too) at module scope, and the client keeps its
// client token and JWKS caches between requests.
const bindings = env as unknown as Bindings;
const auth = transmitAuth({
  client: createTransmitClient({
    region: bindings.TRANSMIT_REGION,
    baseUrl: bindings.TRANSMIT_BASE_URL || undefined,
    allowInsecureLoopback: bindings.TRANSMIT_BASE_URL.startsWith("http://127.0.0.1"),
    clientId: bindings.TRANSMIT_CLIENT_ID,
    clientSecret: bindings.TRANSMIT_CLIENT_SECRET,
  }),
  // Sealed cookies: no storage binding. A sealed cookie cannot be revoked without shared state, so Transmit confirms
  // each session every 5 minutes: a copy of a signed-out cookie stops working within that time.
  sessions: cookieSessionStore({ secrets: [bindings.SESSION_SECRET], recheckAfter: 300 }),
  // Per isolate. For one count across Cloudflare's network, back the Limiter interface with a Durable Object
  // (apps/edge-login does).
  limiter: memoryLimiter(),
  // Keys the username hash of the limiter; derived apart from the cookie key, so one secret can serve both.
  userKeySecret: bindings.SESSION_SECRET,
});

app.route("/auth", auth.routes());
const guard = auth.guard();
app.use("/notes", guard);
app.use("/notes/*", guard);
// --- end of the added part --------------------------------------------------------------------------------------

app.get("/notes", (c) => c.json({ user: c.var.session.userId, notes: notes.get(c.var.session.userId) ?? [] }));
app.post("/notes", async (c) => {
  const { text } = await c.req.json<{ text: string }>();
  const list = notes.get(c.var.session.userId) ?? [];
  list.push(String(text).slice(0, 200));
  notes.set(c.var.session.userId, list);
  return c.json({ notes: list }, 201);
});

export default app;
