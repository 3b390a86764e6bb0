// Checklist section B: input validation.
import { describe, expect, it } from "vitest";
import { DEFAULT_CLAIMS_REQUEST } from "../src/index.ts";
import { browser, loginForm, loginJson, ORIGIN, setup } from "./helpers.ts";

describe("B. input validation", () => {
  it("B01 accepts JSON and same-origin forms; other content types get 415 without an upstream call", async () => {
    const s = setup();
    expect((await loginJson(s.app, { username: "alice", password: "pw-alice" })).status).toBe(200);
    const form = await loginForm(s.app, { username: "bob", password: "pw-bob", returnTo: "/account?tab=1" });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toBe("/account?tab=1");
    const crossSiteForm = await loginForm(
      s.app,
      { username: "bob", password: "pw-bob" },
      { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    );
    expect(crossSiteForm.status).toBe(403);
    expect(s.fake.count("authenticate")).toBe(2);
    for (const type of ["text/plain", "multipart/form-data; boundary=x", "application/xml", "application/json-seq"]) {
      const res = await s.app.request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: browser({ "content-type": type }),
        body: JSON.stringify({ username: "alice", password: "pw-alice" }),
      });
      expect(res.status).toBe(415);
      expect((await res.json()).type).toBe("urn:transmit-edge:problem:unsupported_media_type");
    }
    expect(s.fake.count("authenticate")).toBe(2);
  });

  it("B01 an off-site returnTo falls back to the default path", async () => {
    const s = setup();
    for (const returnTo of ["https://evil.example/x", "//evil.example", "/\\evil.example", "javascript:alert(1)"]) {
      const res = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/");
    }
    const own = await loginForm(s.app, { username: "alice", password: "pw-alice", returnTo: `${ORIGIN}/deep/link#x` });
    expect(own.headers.get("location")).toBe("/deep/link#x");
  });

  it("B02 a body above the limit gets 413 with Content-Length or chunked, and no upstream call", async () => {
    const s = setup();
    const big = JSON.stringify({ username: "alice", password: "x".repeat(9000) });
    const declared = await loginJson(s.app, big);
    expect(declared.status).toBe(413);
    const bytes = new TextEncoder().encode(big);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
        controller.close();
      },
    });
    const chunked = await s.app.request(
      new Request(`${ORIGIN}/auth/login`, {
        method: "POST",
        headers: browser({ "content-type": "application/json" }),
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).type).toBe("urn:transmit-edge:problem:payload_too_large");
    expect(s.fake.count("authenticate")).toBe(0);
  });

  it("B03 missing, wrongly typed or over-long fields get a 400 naming the field, never echoing it", async () => {
    const s = setup();
    const cases: [unknown, string][] = [
      [{ password: "secret-value-1" }, "username"],
      [{ username: "alice" }, "password"],
      [{ username: 42, password: "secret-value-2" }, "username"],
      [{ username: "alice", password: ["secret-value-3"] }, "password"],
      [{ username: "a".repeat(400), password: "secret-value-4" }, "username"],
      [{ username: "alice", password: "s".repeat(1100) }, "password"],
      [{ username: "", password: "secret-value-5" }, "username"],
    ];
    for (const [body, field] of cases) {
      const res = await loginJson(s.app, body);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(JSON.parse(text)["invalid-params"]).toEqual([{ name: field }]);
      expect(text).not.toContain("secret-value");
      expect(text).not.toContain("aaaa");
    }
    for (const raw of ["{not json", "[1,2]", "null", '"alice"']) {
      const res = await loginJson(s.app, raw);
      expect(res.status).toBe(400);
      expect((await res.json()).type).toBe("urn:transmit-edge:problem:invalid_request");
    }
    expect(s.fake.count("authenticate")).toBe(0);
  });

  it("B03 unknown fields are never forwarded upstream", async () => {
    const s = setup();
    await loginJson(s.app, {
      username: "alice",
      password: "pw-alice",
      resource: "https://evil",
      orgId: "x",
      claims: {},
    });
    const input = s.fake.calls[0]?.args[0] as Record<string, unknown>;
    // Only the validated fields plus the configured claims request (never anything from the body).
    expect(Object.keys(input).sort()).toEqual(["claims", "clientAttributes", "password", "username"]);
    expect(input.claims).toEqual(DEFAULT_CLAIMS_REQUEST);
  });

  it("B04 the password reaches upstream byte for byte, 64+ characters included", async () => {
    const s = setup();
    const password =
      "  Ｐässwörd\u0301 with spaces, tabs\t and emoji 🙂 and more than sixty-four characters in total!  ";
    expect(password.length).toBeGreaterThan(64);
    await loginJson(s.app, { username: "alice", password });
    await loginForm(s.app, { username: "alice", password });
    const sent = s.fake.calls
      .filter((c) => c.method === "authenticate")
      .map((c) => (c.args[0] as { password: string }).password);
    expect(sent).toEqual([password, password]);
  });

  it("B05 __proto__ and constructor keys cause no pollution and are not forwarded", async () => {
    const s = setup();
    const raw =
      '{"username":"alice","password":"pw-alice","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';
    const res = await loginJson(s.app, raw);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const input = s.fake.calls[0]?.args[0] as Record<string, unknown>;
    // Only the validated fields plus the configured claims request (never anything from the body).
    expect(Object.keys(input).sort()).toEqual(["claims", "clientAttributes", "password", "username"]);
    expect(input.claims).toEqual(DEFAULT_CLAIMS_REQUEST);
    expect(Object.getPrototypeOf(input)).toBe(Object.prototype);
    const form = await loginForm(s.app, { username: "alice", password: "pw-alice", __proto__: "x", constructor: "y" });
    expect(form.status).toBe(303);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("B06 credentials in the query string get 400 and never appear in events", async () => {
    const s = setup();
    const res = await s.app.request(`${ORIGIN}/auth/login?username=alice&password=qs-secret-1`, {
      method: "POST",
      headers: browser({ "content-type": "application/json" }),
      body: JSON.stringify({ username: "alice", password: "pw-alice" }),
    });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).type).toBe("urn:transmit-edge:problem:credentials_in_query");
    expect(text).not.toContain("qs-secret-1");
    expect(JSON.stringify(s.events)).not.toContain("qs-secret-1");
    expect(s.fake.count("authenticate")).toBe(0);
  });

  it("B07 GET, PUT, DELETE (and TRACE where the runtime allows it) on /login, /logout, /refresh get 405", async () => {
    const s = setup();
    for (const path of ["/auth/login", "/auth/logout", "/auth/refresh", "/auth/password"]) {
      for (const method of ["GET", "PUT", "DELETE", "PATCH", "TRACE"]) {
        let req: Request;
        try {
          req = new Request(`${ORIGIN}${path}`, { method, headers: browser() });
        } catch {
          continue; // The runtime's fetch refuses TRACE itself (a forbidden method).
        }
        const res = await s.app.request(req);
        expect(res.status).toBe(405);
        expect(res.headers.get("allow")).toBe("POST");
      }
    }
    expect(s.fake.calls).toHaveLength(0);
  });
});
