import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, totpAt } from "@transmit-edge/emulator";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";

// The second factor in Chromium against `pnpm dev`'s stack with SECOND_FACTOR=always (its own port, secrets file and
// Durable Object state, so it can run beside the other browser test): password -> /verify -> a code -> signed in.
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}: .ci/run must install it`);

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/** axe violations in light and dark mode, as `rule: target` lines. */
async function axe(p: Page): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  await p.evaluate(AXE);
  for (const scheme of ["light", "dark"] as const) {
    await p.emulateMedia({ colorScheme: scheme });
    out[scheme] = await p.evaluate(async (tags) => {
      type AxeResult = { violations: { id: string; nodes: { target: string[] }[] }[] };
      const a = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> } }).axe;
      const result = await a.run(document, { runOnly: { type: "tag", values: tags } });
      return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
    }, WCAG_22_AA);
  }
  await p.emulateMedia({ colorScheme: null });
  return out;
}

describe.skipIf(!haveChromium)("second factor in a real browser (pnpm dev stack, SECOND_FACTOR=always)", () => {
  let servers: { url: string; emulatorUrl: string; stop(): Promise<void> };
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "edge-login-mfa-"));
    servers = await startDevServers({
      port: 0,
      envFile: join(dir, ".dev.vars"),
      persistTo: join(dir, "state"),
      vars: { SECOND_FACTOR: "always" },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await servers?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function signIn(username: string): Promise<Page> {
    const p = await (await browser.newContext({ locale: "en-US" })).newPage();
    await p.goto(`${servers.url}/login`);
    await p.getByLabel("Username or email").fill(username);
    await p.getByLabel("Password", { exact: true }).fill(DEMO_PASSWORD);
    await Promise.all([p.waitForURL(/\/verify$/), p.getByRole("button", { name: "Sign in" }).click()]);
    return p;
  }

  /** The newest one-time code the emulator sent to `to` (its outbox, as `pnpm dev` prints it). */
  async function outboxCode(to: string): Promise<string> {
    const res = await fetch(`${servers.emulatorUrl}/__emulator/us/outbox?to=${encodeURIComponent(to)}`);
    const { messages } = (await res.json()) as { messages: { code?: string }[] };
    const code = messages.at(-1)?.code;
    if (!code) throw new Error(`no code sent to ${to}`);
    return code;
  }

  it("M01 password -> /verify -> SMS code from the emulator outbox -> signed in; the page passes axe", async () => {
    const p = await signIn("sam");
    expect(await p.getByRole("heading").textContent()).toBe("Enter your code");
    const code = p.getByLabel("Code", { exact: true });
    expect(await code.getAttribute("autocomplete")).toBe("one-time-code");
    expect(await code.getAttribute("inputmode")).toBe("numeric");
    expect(await axe(p)).toEqual({ light: [], dark: [] });
    await Promise.all([p.waitForURL(/\/verify\?sent=sms$/), p.getByRole("button", { name: /text message/ }).click()]);
    expect(await p.getByRole("status").textContent()).toBe("We sent a code by text message.");
    expect(await p.getByLabel("The code is from").inputValue()).toBe("sms");
    // A wrong code first: the error is tied to the field.
    await code.fill("000000");
    await Promise.all([p.waitForEvent("load"), p.getByRole("button", { name: "Verify" }).click()]);
    expect(await p.getByRole("alert").textContent()).toBe("That code is wrong or has expired.");
    expect(await p.getByLabel("Code", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await axe(p)).toEqual({ light: [], dark: [] });
    await p.getByLabel("Code", { exact: true }).fill(await outboxCode("+15550100002"));
    await p.getByLabel("The code is from").selectOption("sms");
    await Promise.all([p.waitForURL(`${servers.url}/`), p.getByRole("button", { name: "Verify" }).click()]);
    expect(await p.getByRole("heading", { name: "Signed in" }).isVisible()).toBe(true);
    // The session has the second factor: the step-up route answers.
    const res = await p.request.get(`${servers.url}/api/sensitive`);
    expect(res.status()).toBe(200);
    expect(((await res.json()) as { amr: string[] }).amr).toContain("mfa");
  });

  it("M01 tom finishes with his authenticator app's code", async () => {
    const p = await signIn("tom");
    await p.getByLabel("Code", { exact: true }).fill(await totpAt(DEMO_TOTP_SECRET, Date.now()));
    await Promise.all([p.waitForURL(`${servers.url}/`), p.getByRole("button", { name: "Verify" }).click()]);
    expect(await p.getByTestId("user").textContent()).toBe("tom@example.com");
  });
});
