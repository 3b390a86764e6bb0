// @ts-check
/**
 * A login endpoint on the core client in a plain `node:http` server (Node >= 20, no framework, no build step):
 * `POST /login` with `{"username", "password"}` checks the password at Transmit, verifies the ID token and
 * answers `{ userId, email }`, or `{ error }` with a status. No token leaves the server.
 *
 *   pnpm --filter @transmit-edge/emulator start     # terminal 1: the emulator on 127.0.0.1:4010
 *   node src/server.mjs                             # terminal 2: http://127.0.0.1:3000
 * Real tenant: set TRANSMIT_REGION, TRANSMIT_CLIENT_ID and TRANSMIT_CLIENT_SECRET.
 */
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { createTransmitClient, isRegionName, TransmitError } from "@transmit-edge/core";

/** Largest request body read (a username and a password fit many times over). */
const MAX_BODY_BYTES = 8192;

/** HTTP status per login failure; anything else is Transmit (or the network) failing: 502. */
const STATUS = {
  invalid_credentials: 401,
  password_change_required: 403,
  locked: 403,
  rate_limited: 429,
  invalid_request: 400,
};

/** @param {import("node:http").IncomingMessage} req */
async function readJson(req) {
  let size = 0;
  const chunks = [];
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 * @param {Record<string, string>} [headers]
 */
function send(res, status, body, headers = {}) {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

/**
 * The request handler.
 * @param {import("@transmit-edge/core").TransmitClient} transmit
 * @returns {import("node:http").RequestListener}
 */
export function createHandler(transmit) {
  return async (req, res) => {
    if (req.url !== "/login") return send(res, 404, { error: "not_found" });
    if (req.method !== "POST") return send(res, 405, { error: "method_not_allowed" }, { allow: "POST" });
    const body = await readJson(req);
    if (typeof body?.username !== "string" || typeof body?.password !== "string") {
      return send(res, 400, { error: "invalid_request" });
    }
    try {
      const tokens = await transmit.passwords.authenticate({
        username: body.username,
        password: body.password,
        // Transmit puts only sub, amr and auth_time into ID tokens unless asked for more.
        claims: { id_token: { email: null } },
        // The socket peer; behind a proxy, take it from the header your proxy sets instead.
        clientAttributes: { ipAddress: req.socket.remoteAddress, userAgent: req.headers["user-agent"] },
      });
      const claims = tokens.idToken ? await transmit.tokens.verifyIdToken(tokens.idToken) : undefined;
      // Here your app would start its own session (cookie) for claims.sub.
      send(res, 200, { userId: claims?.sub ?? null, email: claims?.email ?? null });
    } catch (error) {
      if (!(error instanceof TransmitError)) {
        console.error(error);
        return send(res, 500, { error: "internal" });
      }
      const headers = error.retryAfter ? { "retry-after": String(error.retryAfter) } : undefined;
      send(res, STATUS[/** @type {keyof typeof STATUS} */ (error.code)] ?? 502, { error: error.code }, headers);
    }
  };
}

/**
 * Starts the server on 127.0.0.1; `port: 0` picks a free port.
 * @param {Record<string, string | undefined>} env
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
export async function startServer(env = process.env) {
  const region = env.TRANSMIT_REGION ?? "eu";
  if (!isRegionName(region)) throw new Error(`TRANSMIT_REGION: unknown region ${region}`);
  const baseUrl = env.TRANSMIT_BASE_URL ?? (env.TRANSMIT_CLIENT_ID ? undefined : "http://127.0.0.1:4010/eu");
  const transmit = createTransmitClient({
    region,
    baseUrl,
    allowInsecureLoopback: baseUrl?.startsWith("http://127.0.0.1") ?? false,
    clientId: env.TRANSMIT_CLIENT_ID ?? "demo-client-eu",
    clientSecret: env.TRANSMIT_CLIENT_SECRET ?? "demo-secret-eu",
  });
  const server = createServer(createHandler(transmit));
  await new Promise((resolve) => server.listen(Number(env.PORT ?? 3000), "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url } = await startServer();
  console.log(`example listening on ${url}`);
}
