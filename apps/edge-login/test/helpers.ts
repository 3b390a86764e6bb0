import { env } from "cloudflare:workers";
import { createEmulator, type Emulator, type PasswordPolicy } from "@transmit-edge/emulator";
import { createWorker } from "../src/app.tsx";

export const ORIGIN = "https://login.example.com";
export const ALICE = { username: "alice", password: "Correct-Horse-7!" };

/** Request `cf` objects of a few cities, shaped as Cloudflare sends them (coordinates are strings). */
export const CITIES = {
  frankfurt: { country: "DE", continent: "EU", latitude: "50.11090", longitude: "8.68210", city: "Frankfurt" },
  toronto: { country: "CA", continent: "NA", latitude: "43.65107", longitude: "-79.34702", city: "Toronto" },
  sydney: { country: "AU", continent: "OC", latitude: "-33.86882", longitude: "151.20929", city: "Sydney" },
  newYork: { country: "US", continent: "NA", latitude: "40.71280", longitude: "-74.00600", city: "New York" },
  saoPaulo: { country: "BR", continent: "SA", latitude: "-23.55052", longitude: "-46.63331", city: "Sao Paulo" },
  tokyo: { country: "JP", continent: "AS", latitude: "35.67620", longitude: "139.65030", city: "Tokyo" },
} as const;

/** One call on a Durable Object stub, as the instrumented bindings saw it. */
export interface ObjectCall {
  binding: "SESSIONS" | "ACCOUNT_THROTTLE" | "CLIENT_TOKENS" | "USER_SESSIONS";
  method: string;
  /** The name the object was addressed by (never a username: residency.ts). */
  name: string;
  jurisdiction?: string;
  locationHint?: string;
  /** "request": before the answer was returned; "deferred": work the Worker left for after it (`waitUntil`). */
  phase: "request" | "deferred";
  /** "account": made by the account's object running a handed-over login (near it), not by the Worker. */
  via?: "account";
}

export interface Harness {
  emulator: Emulator;
  /** Every Durable Object call the Worker made, in order. */
  objectCalls: ObjectCall[];
  env: Env;
  clock: { now: number; advance(seconds: number): void };
  logs: string[];
  /** Upstream calls by route name (all regions). */
  calls(route?: string, region?: string): number;
  fetch(path: string, init?: RequestInit & { cf?: Record<string, unknown>; ip?: string }): Promise<Response>;
  /** A new isolate of the same Worker: empty memory, the same Durable Objects and emulator. */
  restart(): void;
  /** Sends a ready-made request as is (Frankfurt `cf`; the default client IP only when it carries none). */
  send(request: Request): Promise<Response>;
}

export interface HarnessOptions {
  /** Replaces a Durable Object binding before it is instrumented (e.g. one whose calls fail). */
  replace?: Partial<Record<ObjectCall["binding"], DurableObjectNamespace>>;
  /** Sees every upstream request and the emulator's answer (e.g. to collect the tokens it issues). */
  tap?: (request: Request, response: Response) => void | Promise<void>;
  /** Replaces bindings of the Worker's env (e.g. a Durable Object namespace that counts its calls). */
  bindings?: (env: Env) => Partial<Env>;
  /** The emulated tenants' password policy (e.g. another lockout threshold). */
  policy?: Partial<PasswordPolicy>;
}

/** A Worker wired to an in-isolate emulator serving the four regions, with an injected clock. */
export async function harness(overrides: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const emulator = createEmulator({
    regions: ["us", "eu", "ca", "au"],
    ...(options.policy ? { policy: options.policy } : {}),
  });
  await emulator.ready();
  const clock = {
    now: Date.now(),
    advance(seconds: number) {
      this.now += seconds * 1000;
      emulator.advanceClock(seconds);
    },
  };
  // A session secret of its own per harness keys the username hashes, so account-throttle objects of earlier tests
  // in the same file (Durable Object storage lives as long as the file's run) do not count here.
  const vars: Record<string, string> = {
    ALLOW_INSECURE_LOOPBACK: "true",
    SESSION_SECRET: `test-session-secret-${crypto.randomUUID()}`,
  };
  // A client of its own per harness: client tokens cached in the Durable Object by an earlier test (signed by an
  // earlier emulator's keys) must not leak into this one.
  const suffix = crypto.randomUUID().slice(0, 8);
  for (const r of ["us", "eu", "ca", "au"] as const) {
    const R = r.toUpperCase();
    emulator.addClient(r, { client_id: `test-client-${r}-${suffix}`, client_secret: `test-secret-${r}-${suffix}` });
    vars[`TRANSMIT_${R}_CLIENT_ID`] = `test-client-${r}-${suffix}`;
    vars[`TRANSMIT_${R}_CLIENT_SECRET`] = `test-secret-${r}-${suffix}`;
    vars[`TRANSMIT_${R}_BASE_URL`] = `http://127.0.0.1:4010/${r}`;
  }
  const objectCalls: ObjectCall[] = [];
  const phase = { now: "request" as ObjectCall["phase"] };
  const bindings = Object.fromEntries(
    (["SESSIONS", "ACCOUNT_THROTTLE", "CLIENT_TOKENS", "USER_SESSIONS"] as const).map((b) => [
      b,
      instrument(
        options.replace?.[b] ??
          ((env as unknown as Record<string, DurableObjectNamespace>)[b] as DurableObjectNamespace),
        b,
        (call) => objectCalls.push({ ...call, phase: phase.now }),
      ),
    ]),
  );
  const base = { ...env, ...bindings, ...vars, ...overrides } as unknown as Env;
  const replaced = options.bindings?.(base) as Record<string, DurableObjectNamespace> | undefined;
  const testEnv = { ...base, ...replaced } as Env;
  // The same bindings as seen from inside an account object running a handed-over login (account-login.ts).
  const fromAccount = Object.fromEntries(
    (["SESSIONS", "ACCOUNT_THROTTLE", "CLIENT_TOKENS"] as const).map((b) => [
      b,
      instrument(
        replaced?.[b] ??
          options.replace?.[b] ??
          ((env as unknown as Record<string, DurableObjectNamespace>)[b] as DurableObjectNamespace),
        b,
        (call) => objectCalls.push({ ...call, phase: phase.now, via: "account" }),
      ),
    ]),
  );
  const logs: string[] = [];
  // Work the Worker defers (waitUntil) runs after the answer, as on the platform; the harness waits for it so the
  // next request sees its effect, and counts its object calls apart.
  const deferred: (() => Promise<unknown>)[] = [];
  const settle = async () => {
    phase.now = "deferred";
    try {
      while (deferred.length > 0) await deferred.shift()?.();
    } finally {
      phase.now = "request";
    }
  };
  const makeWorker = () =>
    createWorker({
      defer: (task) => deferred.push(task),
      now: () => clock.now,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        const response = await emulator.fetch(request);
        await options.tap?.(request, response.clone());
        return response;
      },
      log: (line) => logs.push(line),
      objectEnv: (e) => ({ ...e, ...fromAccount }) as Env,
    });
  let worker = makeWorker();
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  const run = async (request: Request) => {
    const res = await worker.fetch(request, testEnv, ctx);
    await settle();
    return res;
  };
  return {
    emulator,
    objectCalls,
    env: testEnv,
    restart() {
      worker = makeWorker();
    },
    clock,
    logs,
    calls: (route, region) =>
      emulator.requests({ ...(route ? { route } : {}), ...(region ? { region } : {}) } as never).length,
    fetch(path, init = {}) {
      const { cf, ip, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", ip ?? "203.0.113.7");
      const request = new Request(new URL(path, ORIGIN), {
        ...rest,
        headers,
        cf: cf ?? CITIES.frankfurt,
      } as RequestInit);
      return run(request);
    },
    send(request) {
      const withCf = new Request(request, { cf: CITIES.frankfurt } as RequestInit);
      if (!withCf.headers.has("cf-connecting-ip")) withCf.headers.set("cf-connecting-ip", "203.0.113.7");
      return run(withCf);
    },
  };
}

/** JSON login as a browser script on the same origin would send it. */
export function login(
  h: Harness,
  body: unknown,
  init: RequestInit & { cf?: Record<string, unknown>; ip?: string } = {},
) {
  return h.fetch("/auth/login", {
    method: "POST",
    ...init,
    headers: { "content-type": "application/json", origin: ORIGIN, ...(init.headers as Record<string, string>) },
    body: JSON.stringify(body),
  });
}

/** `name=value` of the session cookie (or of the cookie `name`) in a response, or undefined. */
export function sessionCookie(res: Response, name = "__Host-session"): string | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  return line?.split(";")[0];
}

/**
 * A Durable Object namespace that records every stub call (binding, method, object name, jurisdiction, location
 * hint). workerd does not implement jurisdictions, so `jurisdiction(j)` is emulated the way the platform behaves:
 * the same name gives a different object in each jurisdiction.
 */
function instrument(
  inner: DurableObjectNamespace,
  binding: ObjectCall["binding"],
  record: (call: Omit<ObjectCall, "phase">) => void,
  jurisdiction?: string,
): DurableObjectNamespace {
  const names = new Map<string, string>();
  const namespace = {
    jurisdiction: (j: string) => instrument(inner, binding, record, j),
    idFromName(name: string) {
      const id = inner.idFromName(jurisdiction ? `jurisdiction:${jurisdiction}/${name}` : name);
      names.set(id.toString(), name);
      return id;
    },
    idFromString: (s: string) => inner.idFromString(s),
    newUniqueId: () => inner.newUniqueId(),
    get(id: DurableObjectId, options?: DurableObjectNamespaceGetDurableObjectOptions) {
      const stub = inner.get(id, options) as unknown as Record<string, (...args: unknown[]) => unknown>;
      const name = names.get(id.toString()) ?? id.toString();
      return new Proxy(stub, {
        get(target, method) {
          if (typeof method !== "string" || method === "then") return undefined;
          return (...args: unknown[]) => {
            record({
              binding,
              method,
              name,
              ...(jurisdiction ? { jurisdiction } : {}),
              ...(options?.locationHint ? { locationHint: options.locationHint } : {}),
            });
            return target[method]?.(...args);
          };
        },
      });
    },
  };
  return namespace as unknown as DurableObjectNamespace;
}

/** A namespace whose objects are unreachable: every call rejects (an overloaded or failing Durable Object). */
export function failingNamespace(inner: DurableObjectNamespace): DurableObjectNamespace {
  return {
    idFromName: (name: string) => inner.idFromName(name),
    idFromString: (s: string) => inner.idFromString(s),
    newUniqueId: () => inner.newUniqueId(),
    jurisdiction: () => failingNamespace(inner),
    get: () =>
      new Proxy(
        {},
        {
          get: (_t, method) =>
            method === "then" ? undefined : () => Promise.reject(new Error("Durable Object overloaded")),
        },
      ),
  } as unknown as DurableObjectNamespace;
}

/** `name=value` of the device cookie in a response (set by a successful login), or undefined. */
export function deviceCookie(res: Response): string | undefined {
  const line = res.headers.getSetCookie().find((l) => l.startsWith("__Host-session-device="));
  return line?.split(";")[0];
}

/** Calls that reached a Durable Object namespace: lookups (`idFromName`, `get`, ...) and stub method calls. */
export interface NamespaceCalls {
  lookups: number;
  /** Stub method calls by name. */
  methods: Record<string, number>;
  /** Object names looked up with `idFromName`. */
  names: Set<string>;
  total(): number;
}

/** Wraps a Durable Object namespace so a test can count every call a request makes on it. */
export function counting<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  options: { before?: (method: string) => Promise<void> | void } = {},
  shared?: NamespaceCalls,
): { namespace: DurableObjectNamespace<T>; calls: NamespaceCalls } {
  const calls: NamespaceCalls = shared ?? {
    lookups: 0,
    methods: {},
    names: new Set(),
    total() {
      return this.lookups + Object.values(this.methods).reduce((a, b) => a + b, 0);
    },
  };
  const wrapStub = (stub: DurableObjectStub<T>) =>
    new Proxy(stub, {
      get(target, prop) {
        const value = (target as unknown as Record<PropertyKey, unknown>)[prop];
        if (typeof prop !== "string" || typeof value !== "function" || prop === "fetch") return value;
        return async (...args: unknown[]) => {
          calls.methods[prop] = (calls.methods[prop] ?? 0) + 1;
          await options.before?.(prop);
          // A stub's method is itself an RPC proxy (`.apply` would be a remote method): call it through the stub.
          return (target as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args);
        };
      },
    });
  const wrapped = {
    idFromName(name: string) {
      calls.lookups++;
      calls.names.add(name);
      return namespace.idFromName(name);
    },
    idFromString(id: string) {
      calls.lookups++;
      return namespace.idFromString(id);
    },
    newUniqueId(o?: DurableObjectNamespaceNewUniqueIdOptions) {
      calls.lookups++;
      return namespace.newUniqueId(o);
    },
    get(id: DurableObjectId, o?: DurableObjectNamespaceGetDurableObjectOptions) {
      calls.lookups++;
      return wrapStub(namespace.get(id, o));
    },
    getByName(name: string, o?: DurableObjectNamespaceGetDurableObjectOptions) {
      calls.lookups++;
      calls.names.add(name);
      return wrapStub(namespace.getByName(name, o));
    },
    // EU sessions live in the eu jurisdiction (residency.ts): the calls made there count in the same tally.
    // workerd has no jurisdictions: emulated as the platform behaves (instrument above), counted in the same tally.
    jurisdiction: (j: DurableObjectJurisdiction) =>
      counting(
        instrument(namespace as DurableObjectNamespace, "SESSIONS", () => {}, j),
        options,
        calls,
      ).namespace,
  } as unknown as DurableObjectNamespace<T>;
  return { namespace: wrapped, calls };
}

/** A browser's cookie jar: kept from each answer's `Set-Cookie` in order; `Max-Age=0` or an empty value deletes. */
export class Jar {
  readonly values = new Map<string, string>();
  take(res: Response): Response {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0(;|$)/i.test(line) || value === "") this.values.delete(name);
      else this.values.set(name, value);
    }
    return res;
  }
  get header(): string {
    return [...this.values].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}
