// Node-only: console.log / util.inspect output of returned and thrown objects carries no secret.
import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import type { TransmitError } from "../../src/index.ts";
import { CLIENT_SECRET, caught, clientToken, FakeFetch, json, makeClient, userTokens } from "../helpers.ts";

const SENTINELS = [
  "access-SENTINEL",
  "refresh-SENTINEL",
  "session-SENTINEL",
  "reset-SENTINEL",
  "pw-SENTINEL",
  CLIENT_SECRET,
];

describe("console output (util.inspect)", () => {
  it("prints TokenSets and errors without tokens, reset tokens, passwords or the client secret", async () => {
    const fake = new FakeFetch().on("/oidc/token", clientToken("client-token-SENTINEL")).on(
      "/password/authenticate",
      userTokens({
        access_token: "access-SENTINEL",
        refresh_token: "refresh-SENTINEL",
        session_id: "session-SENTINEL",
      }),
      json({ message: "password_expired", error_code: 403, reset_token: "reset-SENTINEL" }, 403),
    );
    const { client } = makeClient(fake);
    const tokens = await client.passwords.authenticate({ username: "a", password: "pw-SENTINEL" });
    const error = (await caught(() =>
      client.passwords.authenticate({ username: "a", password: "pw-SENTINEL" }),
    )) as TransmitError;
    expect(error.resetToken).toBe("reset-SENTINEL");
    const printed = [
      inspect(tokens, { depth: 5 }),
      inspect(error, { depth: 5 }),
      inspect({ tokens, error }, { depth: 5 }),
      // %o is inspect with showHidden: non-enumerable own properties show there.
      format("%o", error),
      format("%o", { tokens, error }),
      inspect(error, { showHidden: true, depth: 5 }),
    ];
    for (const output of printed) for (const sentinel of SENTINELS) expect(output).not.toContain(sentinel);
    expect(printed[0]).toContain("[REDACTED]");
  });
});

describe("source hygiene", () => {
  it("src imports only its own modules and jose: no Node built-ins, no other packages", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const root = new URL("../../src/", import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      // Comment lines (TSDoc examples import the published package) are not imports of the module.
      const source = (await readFile(new URL(file, root), "utf8"))
        .split("\n")
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join("\n");
      const specifiers = [...source.matchAll(/from\s+"([^"]+)"/g)].map((m) => m[1] ?? "");
      for (const specifier of specifiers) expect(specifier.startsWith(".") || specifier === "jose").toBe(true);
      expect(source).not.toMatch(/\bprocess\.|\bBuffer\b|require\(/);
    }
  });
});
