/**
 * Hostile HTTP requests for the fuzz properties of the Hono router (Node) and the Worker (workerd): arbitrary
 * methods, paths, headers, cookies, content types and bodies (JSON, forms, binary, huge, deeply nested,
 * `__proto__`), and one runner that checks the invariants every answer must hold. Fixed seeds in CI; `pnpm fuzz`
 * runs the same properties with many more cases and prints progress lines that scripts/fuzz.mjs collects.
 */
import fc from "fast-check";

/** One generated request, before it becomes a `Request`. */
export interface FuzzRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body?: string | Uint8Array;
}

export interface FuzzTarget {
  /** The site's own origin (same-origin requests use it). */
  origin: string;
  /** Routes worth aiming at; random paths are generated too. */
  paths: readonly string[];
  /** Known-good credentials, so some logins go all the way to the upstream. */
  credentials: { username: string; password: string };
}

const visible = fc.integer({ min: 0x21, max: 0x7e }).map((n) => String.fromCharCode(n));
/** Characters a header value may carry (visible ASCII, space, tab). */
const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)) });
const tokenChar = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&'*+.^`|~");
const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });

const methods = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD") },
  // TRACE/CONNECT/TRACK cannot be built as a fetch Request; other extension methods can.
  { weight: 1, arbitrary: fc.constantFrom("PROPFIND", "PURGE", "post", "Get", "M-SEARCH") },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ"), minLength: 1 }) },
);

const contentTypes = fc.oneof(
  fc.constantFrom(
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-8",
    "multipart/form-data; boundary=XyZ",
    "text/plain",
    "text/plain; charset=utf-8",
    "application/octet-stream",
    "application/json, text/html",
    "application/merge-patch+json",
    "text/html",
    "",
    ";",
    "application/json; charset=utf-16",
  ),
  headerValue,
);

function paths(t: FuzzTarget) {
  const segment = fc.string({ unit: visible, maxLength: 12 }).map((s) => encodeURIComponent(s));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...t.paths) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...t.paths), segment).map(([p, s]) => `${p}/${s}`) },
    { weight: 1, arbitrary: fc.array(segment, { maxLength: 5 }).map((a) => `/${a.join("/")}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...t.paths), fc.constantFrom("password", "username", "token", "x"), segment)
        .map(([p, k, v]) => `${p}?${k}=${v}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("//auth/login", "/auth/%2e%2e/login", "/auth/./login", "/auth//login") },
  );
}

/** A JSON value nested `depth` levels deep, as text (parsers that recurse without a limit fail on it). */
const deeplyNested = fc
  .tuple(fc.integer({ min: 50, max: 4000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? `${"[".repeat(depth)}1${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
  );

function bodies(t: FuzzTarget) {
  const credentialish = fc.record(
    {
      username: fc.oneof(fc.constant(t.credentials.username), fc.string(), fc.integer(), fc.constant(null)),
      password: fc.oneof(fc.constant(t.credentials.password), fc.string({ maxLength: 200 }), fc.array(fc.string())),
      newPassword: fc.string({ maxLength: 100 }),
      returnTo: fc.oneof(fc.constant("/"), fc.constant("//evil.example"), fc.webUrl(), fc.string()),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 3, arbitrary: credentialish.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 2,
      arbitrary: credentialish.map((v) => {
        const out = JSON.stringify(v).slice(0, -1);
        const sep = out.length > 1 ? "," : "";
        return `${out}${sep}"__proto__":{"isAdmin":true,"polluted":1},"constructor":{"prototype":{"polluted":1}}}`;
      }),
    },
    {
      weight: 2,
      arbitrary: fc
        .dictionary(
          fc.constantFrom("username", "password", "newPassword", "returnTo", "__proto__", "constructor", "x"),
          fc.string(),
        )
        .map((d) => new URLSearchParams(d).toString()),
    },
    { weight: 1, arbitrary: deeplyNested },
    { weight: 1, arbitrary: fc.integer({ min: 8 * 1024, max: 48 * 1024 }).map((n) => "x".repeat(n)) },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 7_000, max: 12_000 })
        .map((n) => JSON.stringify({ username: "alice", password: "p".repeat(n) })),
    },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.constant("") },
  );
}

function headers(t: FuzzTarget) {
  const cookieValue = fc.string({ unit: visible, maxLength: 120 }).map((s) => s.replace(/[;,]/g, ""));
  const cookie = fc.oneof(
    cookieValue.map((v) => `__Host-session=${v}`),
    fc.tuple(cookieValue, cookieValue).map(([a, b]) => `__Host-session-pw=${a}; __Host-session=${b}`),
    headerValue,
  );
  const named = fc.oneof(
    fc.tuple(fc.constant("content-type"), contentTypes),
    fc.tuple(fc.constant("origin"), fc.constantFrom(t.origin, "null", "https://evil.example", t.origin.toUpperCase())),
    fc.tuple(fc.constant("sec-fetch-site"), fc.constantFrom("same-origin", "cross-site", "none", "same-site")),
    fc.tuple(fc.constant("cookie"), cookie),
    fc.tuple(fc.constantFrom("x-forwarded-for", "x-real-ip", "true-client-ip", "cf-connecting-ip"), headerValue),
    fc.tuple(fc.constant("cf-connecting-ip"), fc.ipV4()),
    fc.tuple(
      fc.constant("authorization"),
      fc.oneof(
        headerValue,
        headerValue.map((v) => `Bearer ${v}`),
      ),
    ),
    fc.tuple(
      fc.constantFrom("x-debug-country", "accept", "user-agent", "referer", "x-http-method-override"),
      headerValue,
    ),
    fc.tuple(token, headerValue),
  );
  return fc.array(named, { maxLength: 8 });
}

/** Arbitrary hostile requests aimed at `target`: half of them plausible unsafe requests that pass the early checks. */
export function fuzzRequests(target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(hostile(target), plausible(target));
}

/** Same-origin POSTs to the auth routes with JSON or form bodies (often valid credentials), plus random headers. */
function plausible(target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  const auth = target.paths.filter((p) => /login|logout|refresh|password/.test(p));
  return fc
    .record({
      path: fc.constantFrom(...(auth.length > 0 ? auth : target.paths)),
      json: fc.boolean(),
      fields: fc.record(
        {
          username: fc.oneof(fc.constant(target.credentials.username), fc.string({ maxLength: 40 })),
          password: fc.oneof(fc.constant(target.credentials.password), fc.string({ maxLength: 80 })),
          newPassword: fc.string({ maxLength: 80 }),
          returnTo: fc.oneof(fc.constant("/"), fc.constant("//evil.example/x"), fc.string({ maxLength: 40 })),
        },
        { requiredKeys: ["username", "password"] },
      ),
      headers: headers(target),
    })
    .map(({ path, json, fields, headers: extra }) => ({
      method: "POST",
      path,
      headers: [
        ["origin", target.origin],
        ["content-type", json ? "application/json" : "application/x-www-form-urlencoded"],
        ...extra.filter(([name]) => name !== "origin" && name !== "content-type"),
      ],
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields as Record<string, string>).toString(),
    }));
}

function hostile(target: FuzzTarget): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: methods,
      path: paths(target),
      sameOrigin: fc.boolean(),
      json: fc.boolean(),
      headers: headers(target),
      body: bodies(target),
    })
    .map(({ method, path, sameOrigin, json, headers: extra, body }) => {
      const base: [string, string][] = sameOrigin
        ? [
            ["origin", target.origin],
            ["content-type", json ? "application/json" : "application/x-www-form-urlencoded"],
          ]
        : [];
      const req: FuzzRequest = { method, path, headers: [...base, ...extra] };
      if (method !== "GET" && method !== "HEAD") req.body = body;
      return req;
    });
}

/** The `Request` for a generated request; header values the platform refuses are dropped. */
export function toRequest(origin: string, r: FuzzRequest): Request {
  const headers = new Headers();
  for (const [name, value] of r.headers) {
    try {
      headers.set(name, value);
    } catch {
      // An invalid header cannot be sent by a real client either.
    }
  }
  // Concatenated, not resolved: a path like //auth/login must stay a path, not become a host.
  const url = new URL(`${origin}${r.path}`);
  const body = r.body !== undefined ? { body: r.body as BodyInit } : {};
  try {
    return new Request(url, { method: r.method, headers, ...body });
  } catch {
    // workerd accepts only the methods its HTTP parser knows; its server refuses the others before any Worker runs.
    return new Request(url, { method: "PATCH", headers, ...body });
  }
}

/** What every answer must satisfy. */
export interface Invariants {
  /** Statuses >= 500 that are allowed (documented upstream ones: 502, 503, 504). */
  allowed5xx: readonly number[];
  /** Strings that must never appear in a status line, header or body. */
  secrets: readonly string[];
  /** Also require the security headers (HSTS, nosniff) on this answer. */
  securityHeaders?: (req: FuzzRequest) => boolean;
}

/** JWTs have no business in any answer (tokens stay server-side: checklist C03). */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}/;

/** Checks one answer; throws an Error naming the broken invariant. */
export async function checkAnswer(req: FuzzRequest, res: Response, inv: Invariants): Promise<void> {
  const text = req.method === "HEAD" ? "" : await res.text();
  const where = `${req.method} ${req.path} -> ${res.status}`;
  if (res.status >= 500 && !inv.allowed5xx.includes(res.status)) throw new Error(`undocumented 5xx: ${where}`);
  const headerText = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  for (const secret of inv.secrets) {
    if (text.includes(secret) || headerText.includes(secret)) throw new Error(`secret in the answer: ${where}`);
  }
  if (JWT.test(text) || JWT.test(headerText)) throw new Error(`a JWT in the answer: ${where}`);
  if (Object.hasOwn(Object.prototype, "polluted") || Object.hasOwn(Object.prototype, "isAdmin")) {
    throw new Error(`prototype pollution after ${where}`);
  }
  if (inv.securityHeaders?.(req)) {
    if (!/max-age=\d{8,}/.test(res.headers.get("strict-transport-security") ?? "")) {
      throw new Error(`no HSTS: ${where}`);
    }
    if (res.headers.get("x-content-type-options") !== "nosniff") throw new Error(`no nosniff: ${where}`);
  }
}

/** Case counts and seeds: fixed and small unless a long run asks for more. */
export interface FuzzPlan {
  runs: number;
  seed: number;
  /** Cases per fc.assert call (one progress line each). */
  chunk: number;
}

/**
 * Runs the property in chunks with consecutive seeds, printing `FUZZ-PROGRESS` lines and one `FUZZ-RESULT` JSON
 * line (label, cases, ms, seed) that scripts/fuzz.mjs turns into the results file.
 */
export async function runFuzz(
  label: string,
  plan: FuzzPlan,
  arbitrary: fc.Arbitrary<FuzzRequest>,
  send: (req: FuzzRequest) => Promise<Response>,
  inv: Invariants,
): Promise<{ cases: number; ms: number }> {
  const started = Date.now();
  let cases = 0;
  const statuses: Record<string, number> = {};
  for (let i = 0; cases < plan.runs; i++) {
    const numRuns = Math.min(plan.chunk, plan.runs - cases);
    await fc.assert(
      fc.asyncProperty(arbitrary, async (req) => {
        const res = await send(req);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        await checkAnswer(req, res, inv);
      }),
      { numRuns, seed: plan.seed + i, endOnFailure: true },
    );
    cases += numRuns;
    if (plan.runs > plan.chunk) console.log(`FUZZ-PROGRESS ${label} ${cases}/${plan.runs} ${Date.now() - started}ms`);
  }
  const ms = Date.now() - started;
  console.log(`FUZZ-RESULT ${JSON.stringify({ label, cases, ms, seed: plan.seed, statuses })}`);
  return { cases, ms };
}
