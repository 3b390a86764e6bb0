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

export interface Harness {
  emulator: Emulator;
  env: Env;
  clock: { now: number; advance(seconds: number): void };
  logs: string[];
  /** Upstream calls by route name (all regions). */
  calls(route?: string, region?: string): number;
  fetch(path: string, init?: RequestInit & { cf?: Record<string, unknown>; ip?: string }): Promise<Response>;
  /** Sends a ready-made request as is (Frankfurt `cf`; the default client IP only when it carries none). */
  send(request: Request): Promise<Response>;
}

export interface HarnessOptions {
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
  const base = { ...env, ...vars, ...overrides } as unknown as Env;
  const testEnv = { ...base, ...options.bindings?.(base) } as Env;
  const logs: string[] = [];
  const worker = createWorker({
    now: () => clock.now,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const response = await emulator.fetch(request);
      await options.tap?.(request, response.clone());
      return response;
    },
    log: (line) => logs.push(line),
  });
  const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} } as unknown as ExecutionContext;
  return {
    emulator,
    env: testEnv,
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
      return worker.fetch(request, testEnv, ctx);
    },
    send(request) {
      const withCf = new Request(request, { cf: CITIES.frankfurt } as RequestInit);
      if (!withCf.headers.has("cf-connecting-ip")) withCf.headers.set("cf-connecting-ip", "203.0.113.7");
      return worker.fetch(withCf, testEnv, ctx);
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
): { namespace: DurableObjectNamespace<T>; calls: NamespaceCalls } {
  const calls: NamespaceCalls = {
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
    jurisdiction: (j: DurableObjectJurisdiction) => namespace.jurisdiction(j),
  } as unknown as DurableObjectNamespace<T>;
  return { namespace: wrapped, calls };
}
