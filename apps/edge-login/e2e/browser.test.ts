import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, "..", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
// In CI the browser test must run; locally it may be skipped, loudly.
if (!haveChromium && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}: .ci/run must install it`);
if (!haveChromium) console.warn(`\n  SKIPPED browser test: no chromium at ${CHROMIUM} (apt-get install chromium)\n`);

describe.skipIf(!haveChromium)("edge-login in a real browser (pnpm dev stack)", () => {
  let servers: { url: string; stop(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    servers = await startDevServers({ port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await servers?.stop();
  });

  async function page(): Promise<Page> {
    const context = await browser.newContext();
    return context.newPage();
  }

  it("signs in with a demo user, shows the signed-in page, and signs out", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    await p.getByLabel("Username or email").fill("alice");
    await p.getByLabel("Password").fill("Correct-Horse-7!");
    await p.screenshot({ path: join(shots, "login.png") });
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(`${servers.url}/`);
    await expect.poll(() => p.getByRole("heading", { name: "Signed in" }).isVisible()).toBe(true);
    expect(await p.getByTestId("region").textContent()).toBe("US");
    await p.screenshot({ path: join(shots, "signed-in.png") });
    await p.getByRole("button", { name: "Sign out" }).click();
    await p.waitForURL(`${servers.url}/login`);
    // The session is gone: the home page sends us back to the login page.
    await p.goto(`${servers.url}/`);
    expect(new URL(p.url()).pathname).toBe("/login");
  });

  it("a wrong password shows the error state in the live region", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    await p.getByLabel("Username or email").fill("alice");
    await p.getByLabel("Password").fill("definitely-wrong-1!");
    await p.getByRole("button", { name: "Sign in" }).click();
    const alert = p.getByRole("alert");
    await expect.poll(() => alert.textContent()).toContain("Wrong username or password");
    expect(await p.getByLabel("Username or email").inputValue()).toBe("");
    await p.screenshot({ path: join(shots, "wrong-password.png") });
  });

  it("keyboard-only sign-in works (Tab between fields, Enter submits)", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    // The username field has autofocus (applied once the page has settled: wait for it, then type).
    await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe("username");
    await p.keyboard.type("alice");
    await p.keyboard.press("Tab");
    await p.keyboard.type("Correct-Horse-7!");
    await p.keyboard.press("Enter");
    await p.waitForURL(`${servers.url}/`);
    expect(await p.getByTestId("user").textContent()).toBeTruthy();
  });
});
