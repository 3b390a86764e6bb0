/** Guards of the package surface: runtime independence, no dependency on core, stable exports. */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const NODE_ONLY = new Set(["src/node.ts", "src/cli.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("package surface", () => {
  it("keeps the library runtime-agnostic: no Node built-ins outside src/node.ts and src/cli.ts", () => {
    for (const file of files(join(root, "src"))) {
      const name = relative(root, file).split("\\").join("/");
      if (NODE_ONLY.has(name)) continue;
      const text = readFileSync(file, "utf8");
      expect(text, name).not.toMatch(/from\s+["']node:|require\(|\bprocess\.|\bBuffer\b|@hono\/node-server/);
    }
  });

  it("never depends on @transmit-edge/core", () => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<string, Record<string, string>>;
    for (const field of ["dependencies", "devDependencies", "peerDependencies"]) {
      expect(Object.keys(pkg[field] ?? {})).not.toContain("@transmit-edge/core");
    }
    for (const file of [...files(join(root, "src")), ...files(join(root, "test"))]) {
      if (file.endsWith("package.test.ts")) continue;
      expect(readFileSync(file, "utf8"), file).not.toContain("@transmit-edge/core");
    }
  });

  it("exports the documented names", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "ALL_REGIONS",
        "DEFAULT_CODE_SETTINGS",
        "DEFAULT_ISSUERS",
        "DEFAULT_POLICY",
        "DEMO_EXPIRED_PASSWORD",
        "DEMO_PASSWORD",
        "DEMO_TEMPORARY_PASSWORD",
        "DEMO_TOTP_SECRET",
        "EmulatedNetworkError",
        "FAILURE_DEFAULTS",
        "ROUTE_NAMES",
        "checkSeed",
        "createEmulator",
        "demoClient",
        "demoUsers",
        "isEmulatedDrop",
        "totpAt",
      ].sort(),
    );
  });

  it("exports the documented names from ./node", async () => {
    const node = await import("../src/node.js");
    expect(Object.keys(node).sort()).toEqual(["startEmulatorServer"]);
  });

  it("the built library entry imports no Node built-ins", () => {
    const entry = readFileSync(join(root, "dist", "index.js"), "utf8");
    const chunks = [...entry.matchAll(/from\s+"\.\/(chunk-[\w-]+\.js)"/g)].map((m) => m[1] ?? "");
    for (const text of [entry, ...chunks.map((c) => readFileSync(join(root, "dist", c), "utf8"))]) {
      expect(text).not.toMatch(/from\s+["']node:|from\s+["'](http|fs|net)["']/);
    }
  });
});
