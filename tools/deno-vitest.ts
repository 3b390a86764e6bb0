// Maps the subset of vitest's API that the behaviour suite uses onto Deno's test runner, so the very same
// test files run under `deno test`. Only describe/it/expect/beforeEach/afterEach are supported on purpose:
// a test that needs more (vi.*, fake timers, snapshots) belongs in test/node/.
import { expect } from "expect";

type Fn = () => unknown | Promise<unknown>;
interface Suite {
  name: string;
  before: Fn[];
  after: Fn[];
  parent?: Suite;
}

let current: Suite | undefined;

function chain(suite: Suite | undefined): Suite[] {
  const out: Suite[] = [];
  for (let s = suite; s; s = s.parent) out.unshift(s);
  return out;
}

export function describe(name: string, body: () => void): void {
  const parent = current;
  current = { name, before: [], after: [], parent };
  try {
    body();
  } finally {
    current = parent;
  }
}

export function beforeEach(fn: Fn): void {
  if (!current) throw new Error("beforeEach outside describe is not supported by the Deno shim");
  current.before.push(fn);
}

export function afterEach(fn: Fn): void {
  if (!current) throw new Error("afterEach outside describe is not supported by the Deno shim");
  current.after.push(fn);
}

function register(name: string, fn: Fn, ignore: boolean): void {
  const suites = chain(current);
  const fullName = [...suites.map((s) => s.name), name].join(" > ");
  Deno.test({
    name: fullName,
    ignore,
    // The suite starts servers and timers of its own and checks them itself.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      for (const s of suites) for (const b of s.before) await b();
      try {
        await fn();
      } finally {
        for (const s of [...suites].reverse()) for (const a of s.after) await a();
      }
    },
  });
}

type It = ((name: string, fn: Fn) => void) & { skipIf: (cond: boolean) => (name: string, fn: Fn) => void };

export const it: It = Object.assign((name: string, fn: Fn) => register(name, fn, false), {
  skipIf: (cond: boolean) => (name: string, fn: Fn) => register(name, fn, cond),
});
export const test: It = it;

export { expect };
