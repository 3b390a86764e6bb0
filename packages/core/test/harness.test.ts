import { describe, expect, it } from "vitest";

// Proves the cross-runtime harness itself works: the same file runs under vitest (node, workerd), deno and bun.
describe("runtime harness", () => {
  it("exposes the Web APIs the core depends on", () => {
    expect(typeof fetch).toBe("function");
    expect(typeof crypto.subtle.importKey).toBe("function");
    expect(typeof AbortSignal.timeout).toBe("function");
    expect(new URL("https://api.eu.transmitsecurity.io/cis").pathname).toBe("/cis");
  });
});
