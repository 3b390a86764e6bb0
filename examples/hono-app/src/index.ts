/**
 * An existing Hono app on Cloudflare Workers (a small notes API) with Transmit password login added.
 * The lines marked "added" are all it takes: a Transmit client and a session store built from the Worker's env,
 * the login router at /auth, and the guard in front of /notes.
 */
import { createTransmitClient, type TransmitClient } from "@transmit-edge/core";
import { cookieSessionStore, passwordLogin, requireSession } from "@transmit-edge/hono";
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
// One client per isolate (it caches its client token and the JWKS); env is the same for every request.
let cached: TransmitClient | undefined;
function transmit(env: Bindings): TransmitClient {
  cached ??= createTransmitClient({
    region: env.TRANSMIT_REGION,
    baseUrl: env.TRANSMIT_BASE_URL || undefined,
    allowInsecureLoopback: env.TRANSMIT_BASE_URL.startsWith("http://127.0.0.1"),
    clientId: env.TRANSMIT_CLIENT_ID,
    clientSecret: env.TRANSMIT_CLIENT_SECRET,
  });
  return cached;
}
// Sealed cookies: no storage binding needed. (Use a Durable Object store for server-side revocation.)
const sessions = (c: { env: Bindings }) => cookieSessionStore({ secrets: [c.env.SESSION_SECRET] });

const client = (c: { env: Bindings }) => transmit(c.env);

app.route("/auth", passwordLogin({ client, sessions }));
const guard = requireSession({ client, sessions });
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
