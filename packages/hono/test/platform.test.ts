// Platform fields survive the router's body handling (Workers' request.cf picks the region).
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { memorySessionStore, passwordLogin } from "../src/index.ts";
import { browser, FakeClient, ORIGIN } from "./helpers.ts";

const isCloudflareWorkers = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";

describe("platform", () => {
  it.skipIf(!isCloudflareWorkers)(
    "A10 request.cf is still there when the client resolver runs (after the body limit)",
    async () => {
      const fake = new FakeClient();
      const seen: unknown[] = [];
      const app = new Hono();
      app.route(
        "/auth",
        passwordLogin({
          client: (c) => {
            seen.push((c.req.raw as Request & { cf?: { country?: string } }).cf?.country);
            return { client: fake, region: "eu" };
          },
          sessions: memorySessionStore(),
          limiter: "none",
        }),
      );
      const init = {
        method: "POST",
        headers: browser({ "content-type": "application/json" }),
        body: JSON.stringify({ username: "alice", password: "pw-alice" }),
        cf: { country: "DE" },
      };
      const res = await app.request(new Request(`${ORIGIN}/auth/login`, init as RequestInit));
      expect(res.status).toBe(200);
      expect(seen).toEqual(["DE"]);
    },
  );
});
