// The ```ts blocks in the TSDoc of core and hono (what TypeDoc shows as examples) must compile against the
// packages' public API. Each block becomes a module that imports every export of both packages plus Hono, with
// the names examples use freely (`env`, `client`, `app`, `username`, ...) declared once below; top-level
// statements run inside an async function so `await` and `return` read naturally.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { log, main, repo } from "./lib.mjs";

const ts = createRequire(join(repo, "package.json"))("typescript");
const SOURCES = ["packages/core/src", "packages/hono/src"];

/** Names the examples use without defining them: what a reader already has in scope. */
const SCOPE = `
import * as __core from "@transmit-edge/core";
import * as __hono from "@transmit-edge/hono";
import type * as __account from "@transmit-edge/core/account";
declare const env: Record<string, string>;
declare const config: (env: Record<string, string>) => __core.TransmitClientOptions;
declare const request: Request & { cf?: __core.RegionHint };
declare const req: Request;
declare const c: import("hono").Context;
declare const app: import("hono").Hono;
declare const client: __core.TransmitClient;
declare const transmit: __core.TransmitClient;
declare const account: __account.TransmitAccountClient;
declare const clients: Record<string, __core.TransmitClient>;
declare const sessions: __hono.SessionStore;
declare const limiter: __hono.Limiter;
declare const getIp: __hono.GetIp;
declare const username: string;
declare const password: string;
declare const newPassword: string;
declare const email: string;
declare const passcode: string;
declare const code: string;
declare const clientId: string;
declare const clientSecret: string;
declare const kv: { has(key: string): Promise<boolean>; set(key: string, until: number): Promise<void> };
declare function offerChange(resetToken: string | undefined): void;
declare function pickRegion(c: import("hono").Context): string;
// Placeholders for the reader's own code.
declare const idToken: string;
declare const refreshToken: string;
declare const cookieValue: string;
declare const userKey: string;
declare const body: { type?: string };
declare const res: Response;
declare const db: { get(key: string): Promise<__hono.SessionRecord | undefined>; put(key: string, value: unknown): Promise<void>; delete(key: string): Promise<void> };
declare const metrics: { count(name: string): void };
declare const queue: unknown[];
declare function newId(): string;
declare function loginPage(state: __hono.PageState): string;
declare function showRetryLater(retryAfter: string | null): void;
`;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** ```ts blocks inside /** ... *\/ comments, with their line numbers. */
function examples(file) {
  const text = readFileSync(file, "utf8");
  const found = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split("\n").map((l) => l.replace(/^\s*\*? ?/, ""));
    const startLine = text.slice(0, comment.index).split("\n").length;
    for (let i = 0; i < lines.length; i++) {
      if (!/^```(ts|typescript)\s*$/.test(lines[i].trim())) continue;
      const end = lines.findIndex((l, j) => j > i && l.trim() === "```");
      found.push({ file, line: startLine + i + 1, code: lines.slice(i + 1, end).join("\n") });
      i = end;
    }
  }
  return found;
}

/** One module per example: imports, the scope, then the example (imports/exports hoisted, the rest in a function). */
function moduleFor(example, names) {
  const body = [];
  const top = [];
  // An example that exports (a Worker module) is a module itself; any other runs inside a function.
  const isModule = /^export\s/m.test(example.code);
  for (const line of example.code.split("\n")) {
    if (isModule || /^import\s/.test(line)) top.push(line);
    else body.push(line);
  }
  const importLines = top.filter((line) => /^import\s/.test(line)).join("\n");
  const imported = new Set(importLines.match(/\b\w+\b/g) ?? []);
  const pick = (list) => list.filter((n) => !imported.has(n)).join(", ");
  return [
    `import { ${pick(names.core)} } from "@transmit-edge/core";`,
    `import { ${pick(names.hono.filter((n) => !names.core.includes(n)))} } from "@transmit-edge/hono";`,
    imported.has("Hono") ? "" : `import { Hono } from "hono";`,
    SCOPE,
    ...top,
    "export async function __example() {",
    ...body,
    "}",
  ].join("\n");
}

function exportedNames(program, file) {
  const checker = program.getTypeChecker();
  return checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file))).map((s) => s.name);
}

await main("tsdoc examples", async () => {
  const all = SOURCES.flatMap((dir) => files(join(repo, dir)).flatMap(examples));
  const options = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    noUnusedLocals: false,
    baseUrl: repo,
    paths: {
      "@transmit-edge/core": ["packages/core/src/index.ts"],
      "@transmit-edge/core/account": ["packages/core/src/account-client.ts"],
      "@transmit-edge/hono": ["packages/hono/src/index.ts"],
    },
  };
  const entries = {
    core: join(repo, "packages/core/src/index.ts"),
    hono: join(repo, "packages/hono/src/index.ts"),
  };
  const base = ts.createProgram(Object.values(entries), options);
  const names = { core: exportedNames(base, entries.core), hono: exportedNames(base, entries.hono) };

  // Virtual files next to the hono package, so `hono` resolves from its node_modules.
  const virtual = new Map(
    all.map((ex, i) => [join(repo, "packages/hono", `__tsdoc_example_${i}.ts`), { ex, text: moduleFor(ex, names) }]),
  );
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => {
    const v = virtual.get(name);
    return v ? ts.createSourceFile(name, v.text, version) : getSourceFile(name, version, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => virtual.has(name) || fileExists(name);
  const program = ts.createProgram([...virtual.keys()], options, host, base);

  const failures = [];
  for (const [name, { ex }] of virtual) {
    const diagnostics = [
      ...program.getSyntacticDiagnostics(program.getSourceFile(name)),
      ...program.getSemanticDiagnostics(program.getSourceFile(name)),
    ];
    if (diagnostics.length === 0) continue;
    const messages = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    failures.push(`${relative(repo, ex.file)}:${ex.line}\n${ex.code}\n  -> ${messages.join("\n  -> ")}`);
  }
  if (failures.length > 0)
    throw new Error(`${failures.length} of ${all.length} TSDoc examples do not compile:\n\n${failures.join("\n\n")}`);
  log(`${all.length} TSDoc examples in core and hono compile`);
});
