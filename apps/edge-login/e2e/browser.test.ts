import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const shots = join(here, "..", "screenshots");
/** `pnpm --filter @transmit-edge/edge-login screenshots` sets this: the README's pictures go to docs/. */
const docs = process.env.UPDATE_SCREENSHOTS === "1" ? join(here, "..", "docs") : undefined;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
// In CI the browser test must run; locally it may be skipped, loudly.
if (!haveChromium && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}: .ci/run must install it`);
if (!haveChromium) console.warn(`\n  SKIPPED browser test: no chromium at ${CHROMIUM} (apt-get install chromium)\n`);

/** axe-core from node_modules, evaluated in the page (DevTools evaluation is not subject to the page's CSP). */
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

/** The axe violations of the page as `rule: target` lines (empty when it passes). */
async function axeViolations(p: Page): Promise<string[]> {
  await p.evaluate(AXE);
  return p.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> } }).axe;
    type AxeResult = { violations: { id: string; nodes: { target: string[] }[] }[] };
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
  }, WCAG_22_AA);
}

/** Runs axe in light and dark mode on the page as it is now (the same response, only the colour scheme changes). */
async function axeBothSchemes(p: Page): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const scheme of ["light", "dark"] as const) {
    await p.emulateMedia({ colorScheme: scheme });
    out[scheme] = await axeViolations(p);
  }
  await p.emulateMedia({ colorScheme: null });
  return out;
}

/** WCAG contrast ratios measured from computed styles: text, input border and focus ring against the page. */
function contrasts(p: Page, textSelector: string) {
  return p.evaluate((sel) => {
    const channels = (css: string) => (css.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const luminance = (css: string) => {
      const [r = 0, g = 0, b = 0] = channels(css).map((v) => {
        const c = v / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: string, b: string) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
      return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
    };
    const bg = getComputedStyle(document.body).backgroundColor;
    const input = document.querySelector<HTMLInputElement>("input:not([type=hidden]):not([hidden])")!;
    input.focus();
    const focused = getComputedStyle(input);
    return {
      text: ratio(getComputedStyle(document.querySelector(sel)!).color, bg),
      border: ratio(focused.borderTopColor, bg),
      focusVisible: input.matches(":focus-visible") && focused.outlineStyle !== "none",
      focusRing: ratio(focused.outlineColor, bg),
    };
  }, textSelector);
}

/** Whether the page scrolls sideways. */
const scrollWidth = (p: Page) =>
  p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

describe.skipIf(!haveChromium)("edge-login in a real browser (pnpm dev stack)", () => {
  let servers: { url: string; stop(): Promise<void> };
  let browser: Browser;
  /** Every response with a 4xx/5xx status the pages caused (favicon included). */
  const failures: string[] = [];

  beforeAll(async () => {
    await mkdir(shots, { recursive: true });
    if (docs) await mkdir(docs, { recursive: true });
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

  async function page(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({ locale: "en-US", ...options });
    const p = await context.newPage();
    p.on("response", (res) => {
      if (res.status() >= 400) failures.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    return p;
  }

  /** A screenshot for the test run, and for the README when the screenshots script runs. */
  async function shot(p: Page, name: string, readme = false) {
    await p.screenshot({ path: join(shots, name) });
    if (docs && readme) await p.screenshot({ path: join(docs, name) });
  }

  /** Clicks a submit button and waits for the page the form post leads to (after its redirect) to load. */
  async function submit(p: Page, button: string) {
    await Promise.all([p.waitForEvent("load"), p.getByRole("button", { name: button }).click()]);
  }

  async function signIn(p: Page, username: string, password: string) {
    await p.getByLabel("Username or email").fill(username);
    await p.getByLabel("Password", { exact: true }).fill(password);
    await submit(p, "Sign in");
  }

  it("signs in with a demo user, shows the signed-in page, and signing out says so", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    expect(await p.evaluate(() => document.compatMode)).toBe("CSS1Compat");
    await p.getByLabel("Username or email").fill("alice");
    await p.getByLabel("Password").fill("Correct-Horse-7!");
    await shot(p, "login.png");
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(`${servers.url}/`);
    await expect.poll(() => p.getByRole("heading", { name: "Signed in" }).isVisible()).toBe(true);
    expect(await p.getByTestId("region").textContent()).toBe("US");
    expect(await p.evaluate(() => document.compatMode)).toBe("CSS1Compat");
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    await shot(p, "signed-in.png");
    await p.getByRole("button", { name: "Sign out", exact: true }).click();
    await p.waitForURL(/\/login\?signedOut$/);
    expect(await p.getByRole("status").textContent()).toBe("You have signed out.");
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    // The session is gone: the home page sends us back to the login page.
    await p.goto(`${servers.url}/`);
    expect(new URL(p.url()).pathname).toBe("/login");
  });

  it("a wrong password: redirected to /login (a reload does not re-post), username kept, error tied to the fields", async () => {
    const p = await page({ viewport: { width: 375, height: 700 } });
    const posts: string[] = [];
    p.on("request", (r) => {
      if (r.method() === "POST") posts.push(new URL(r.url()).pathname);
    });
    await p.goto(`${servers.url}/login`);
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    await signIn(p, "alice", "definitely-wrong-1!");
    expect(new URL(p.url()).pathname).toBe("/login");
    const alert = p.getByRole("alert");
    expect(await alert.textContent()).toBe("Wrong username or password.");
    expect(await p.getByLabel("Username or email").inputValue()).toBe("alice");
    expect(await p.getByLabel("Password").inputValue()).toBe("");
    for (const label of ["Username or email", "Password"]) {
      const field = p.getByLabel(label, { exact: true });
      expect(await field.getAttribute("aria-invalid")).toBe("true");
      expect(await field.getAttribute("aria-describedby")).toBe("form-error");
    }
    // The cursor waits in the password field.
    await expect.poll(() => p.evaluate(() => document.activeElement?.id)).toBe("password");
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    await p.emulateMedia({ colorScheme: "dark" });
    await shot(p, "login-error.png", true);
    await p.emulateMedia({ colorScheme: null });
    expect(posts).toEqual(["/auth/login"]);
    await p.reload();
    expect(posts).toEqual(["/auth/login"]);
    // The flash was shown once: the reloaded form is clean.
    expect(await p.locator("#form-error").textContent()).toBe("");
    expect(await p.getByLabel("Username or email").getAttribute("aria-invalid")).toBeNull();
  });

  it("contrast meets WCAG 2.2 AA in light and dark mode: error text >= 4.5:1, input border and focus ring >= 3:1", async () => {
    const measured: Record<string, unknown> = {};
    for (const colorScheme of ["light", "dark"] as const) {
      const p = await page({ colorScheme });
      await p.goto(`${servers.url}/login`);
      await signIn(p, "no-such-user", "wrong-Password-1!");
      const c = await contrasts(p, "#form-error");
      measured[colorScheme] = c;
      expect(c.text).toBeGreaterThanOrEqual(4.5);
      expect(c.border).toBeGreaterThanOrEqual(3);
      expect(c.focusVisible).toBe(true);
      expect(c.focusRing).toBeGreaterThanOrEqual(3);
      // The same for an untouched field's border.
      await p.goto(`${servers.url}/login`);
      const blank = await contrasts(p, "label");
      measured[`${colorScheme}, no error`] = blank;
      expect(blank.text).toBeGreaterThanOrEqual(4.5);
      expect(blank.border).toBeGreaterThanOrEqual(3);
    }
    console.log(`contrast ${JSON.stringify(measured)}`);
  });

  it("no sideways scroll at 320 and 375 px on every page, with and without an error", async () => {
    for (const width of [320, 375]) {
      const p = await page({ viewport: { width, height: 640 }, locale: "de-DE" });
      await p.goto(`${servers.url}/login`);
      expect(await scrollWidth(p)).toEqual({ scroll: width, client: width });
      await p.getByLabel("Benutzername oder E-Mail").fill("an-unusually-long-username-without-spaces@example.com");
      await p.getByLabel("Passwort").fill("wrong-Password-1!");
      await submit(p, "Anmelden");
      expect(await p.getByRole("alert").textContent()).toBe("Benutzername oder Passwort ist falsch.");
      expect(await scrollWidth(p)).toEqual({ scroll: width, client: width });
      await p.goto(`${servers.url}/password`);
      expect(await scrollWidth(p)).toEqual({ scroll: width, client: width });
      console.log(`scrollWidth at ${width} px: ${(await scrollWidth(p)).scroll}`);
    }
  });

  it("the pages speak German to a German browser", async () => {
    const p = await page({ locale: "de-DE", viewport: { width: 375, height: 640 } });
    await p.goto(`${servers.url}/login`);
    expect(await p.getAttribute("html", "lang")).toBe("de");
    expect(await p.getByRole("heading").textContent()).toBe("Anmelden");
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    await shot(p, "login-de.png", true);
  });

  it("A04 throttled: the page says when to try again in words and nothing about the account", async () => {
    const p = await page();
    // An account nobody has: the throttle counts attempts per typed username, existing or not.
    for (let i = 0; i < 4; i++) {
      await p.goto(`${servers.url}/login`);
      await signIn(p, "nobody-here", `wrong-${i}-Password!`);
    }
    const message = await p.getByRole("alert").textContent();
    // Untrusted attempts stay below Transmit's lockout: 3 per 16 minutes (docs/transmit-contract.md).
    expect(message).toMatch(/^Too many attempts\. Try again in about 1[67] minutes\.$/);
    expect(message).not.toMatch(/locked|account|nobody/i);
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
  });

  it("a temporary password: the change page opens without an error, states the rules, says which failed, and signs in", async () => {
    const p = await page({ viewport: { width: 375, height: 760 } });
    await p.goto(`${servers.url}/login`);
    await signIn(p, "tara", "Temporary-Pass-8!");
    expect(new URL(p.url()).pathname).toBe("/password");
    expect(await p.locator("#form-error").textContent()).toBe("");
    expect(await p.locator("#form-error").isVisible()).toBe(false);
    expect(await p.locator("#rules li").allTextContents()).toEqual([
      "at least 14 characters",
      "lowercase and uppercase letters, a digit and a symbol",
    ]);
    // Password managers: the account the new password belongs to, and the new password twice.
    const user = p.locator('input[autocomplete="username"]');
    expect(await user.inputValue()).toBe("tara");
    expect(await user.isHidden()).toBe(true);
    expect(await p.locator('input[autocomplete="new-password"]').count()).toBe(2);
    expect(await p.getByLabel("New password", { exact: true }).getAttribute("aria-describedby")).toBe("rules");
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });

    await p.getByLabel("New password", { exact: true }).fill("lowercase-only-long-password");
    await p.getByLabel("New password again").fill("lowercase-only-long-password");
    await submit(p, "Change password");
    expect(await p.getByRole("alert").textContent()).toBe(
      "The new password does not meet this rule: lowercase and uppercase letters, a digit and a symbol.",
    );
    const field = p.getByLabel("New password", { exact: true });
    expect(await field.getAttribute("aria-invalid")).toBe("true");
    expect(await field.getAttribute("aria-describedby")).toBe("rules form-error");
    expect(await p.locator("#rules li.broken").allTextContents()).toEqual([
      "lowercase and uppercase letters, a digit and a symbol",
    ]);
    expect(await axeBothSchemes(p)).toEqual({ light: [], dark: [] });
    await shot(p, "password-change.png", true);

    await p.getByLabel("New password", { exact: true }).fill("Brand-New-Password-42!");
    await p.getByLabel("New password again").fill("Brand-New-Password-24!");
    await submit(p, "Change password");
    expect(await p.getByRole("alert").textContent()).toBe("The two new passwords do not match.");
    expect(await p.getByLabel("New password again").getAttribute("aria-invalid")).toBe("true");

    await p.getByLabel("New password", { exact: true }).fill("Brand-New-Password-42!");
    await p.getByLabel("New password again").fill("Brand-New-Password-42!");
    await p.getByRole("button", { name: "Change password" }).click();
    await p.waitForURL(`${servers.url}/`);
    expect(await p.getByTestId("user").textContent()).toBeTruthy();
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

  it("U03 U02 sessions: two browsers are listed, ending the other signs it out, sign out everywhere ends the rest", async () => {
    const { emulatorUrl } = servers as unknown as { emulatorUrl: string };
    const sam = { username: "sam.sessions", password: "Correct-Horse-9!" };
    const added = await fetch(`${emulatorUrl}/__emulator/us/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(sam),
    });
    expect(added.status).toBe(201);
    const laptop = await page();
    const phone = await page({
      userAgent:
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1",
    });
    for (const p of [laptop, phone]) {
      await p.goto(`${servers.url}/login`);
      await signIn(p, sam.username, sam.password);
      expect(new URL(p.url()).pathname).toBe("/");
    }
    await laptop.reload();
    const items = laptop.getByTestId("session");
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).textContent()).toContain("This device");
    expect(await items.nth(1).textContent()).toContain("Safari on iOS");
    expect(await axeBothSchemes(laptop)).toEqual({ light: [], dark: [] });
    await shot(laptop, "sessions.png");
    await submit(laptop, "End: Safari on iOS");
    expect(new URL(laptop.url()).pathname).toBe("/");
    expect(await laptop.getByTestId("session").count()).toBe(1);
    await phone.goto(`${servers.url}/`);
    expect(new URL(phone.url()).pathname).toBe("/login");
    // Signed in again on the phone, then "Sign out everywhere" on the laptop ends both.
    await signIn(phone, sam.username, sam.password);
    expect(new URL(phone.url()).pathname).toBe("/");
    await laptop.reload();
    await submit(laptop, "Sign out everywhere");
    expect(new URL(laptop.url()).pathname + new URL(laptop.url()).search).toBe("/login?signedOut");
    await phone.goto(`${servers.url}/`);
    expect(new URL(phone.url()).pathname).toBe("/login");
    await laptop.goto(`${servers.url}/`);
    expect(new URL(laptop.url()).pathname).toBe("/login");
  });

  it("/favicon.ico is not a 404, and no page load above asked for anything that failed", async () => {
    const p = await page();
    const res = await p.request.get(`${servers.url}/favicon.ico`);
    expect(res.status()).toBe(204);
    expect((await p.request.get(`${servers.url}/favicon.svg`)).headers()["content-type"]).toMatch(/^image\/svg\+xml/);
    expect(failures).toEqual([]);
  });
});
