// The account pages in Chromium against `pnpm dev`'s stack (emulator + wrangler dev): sign up -> sign in, and forgot
// password -> the emailed link (from the emulator's outbox) -> a new password -> sign in. axe-core on every page.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without types
import { startDevServers } from "../../../scripts/dev-servers.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`chromium not found at ${CHROMIUM}: .ci/run must install it`);

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

async function axeViolations(p: Page): Promise<string[]> {
  await p.evaluate(AXE);
  return p.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, o: unknown): Promise<AxeResult> } }).axe;
    type AxeResult = { violations: { id: string; nodes: { target: string[] }[] }[] };
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")}`));
  }, WCAG_22_AA);
}

interface Mail {
  to: string;
  kind: string;
  link?: string;
}

describe.skipIf(!haveChromium)("account pages in a real browser (pnpm dev stack)", () => {
  let servers: { url: string; stop(): Promise<void> };
  let browser: Browser;
  const outbox: Mail[] = [];

  beforeAll(async () => {
    servers = await startDevServers({ port: 0, onOutbox: (m: Mail) => outbox.push(m) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await servers?.stop();
  });

  async function page(): Promise<Page> {
    return (await browser.newContext({ locale: "en-US" })).newPage();
  }

  async function submit(p: Page, button: string) {
    await Promise.all([p.waitForEvent("load"), p.getByRole("button", { name: button }).click()]);
  }

  async function signIn(p: Page, username: string, password: string) {
    await p.getByLabel("Username or email").fill(username);
    await p.getByLabel("Password", { exact: true }).fill(password);
    await submit(p, "Sign in");
  }

  it("R01 sign up -> sign in: the page states the rules, answers without telling whether the address was free", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    await Promise.all([p.waitForEvent("load"), p.getByRole("link", { name: "Create an account" }).click()]);
    expect(new URL(p.url()).pathname).toBe("/signup");
    expect(await axeViolations(p)).toEqual([]);
    expect(await p.getByLabel("Email").getAttribute("autocomplete")).toBe("username");
    expect(await p.getByLabel("Password", { exact: true }).getAttribute("autocomplete")).toBe("new-password");
    // A weak password: caught on the page, the rule named, the address kept.
    await p.getByLabel("Email").fill("browser.user@example.com");
    await p.getByLabel("Password", { exact: true }).fill("short");
    await submit(p, "Create an account");
    expect(await p.getByRole("alert").textContent()).toContain("at least 14 characters");
    expect(await p.getByLabel("Email").inputValue()).toBe("browser.user@example.com");
    expect(await axeViolations(p)).toEqual([]);
    await p.getByLabel("Password", { exact: true }).fill("Browser-User-Pass-1!");
    await submit(p, "Create an account");
    expect(new URL(p.url()).search).toBe("?signedUp");
    expect(await p.getByRole("status").textContent()).toContain("your account is ready");
    expect(await axeViolations(p)).toEqual([]);
    await signIn(p, "browser.user@example.com", "Browser-User-Pass-1!");
    await expect.poll(() => p.getByRole("heading", { name: "Signed in" }).isVisible()).toBe(true);
  });

  it("R02 R04 forgot password -> outbox link -> new password -> sign in; the link's code leaves the address bar", async () => {
    const p = await page();
    await p.goto(`${servers.url}/login`);
    await Promise.all([p.waitForEvent("load"), p.getByRole("link", { name: "Forgot your password?" }).click()]);
    expect(await axeViolations(p)).toEqual([]);
    await p.getByLabel("Username or email").fill("alice");
    await submit(p, "Send me a link");
    expect(await p.getByRole("status").textContent()).toContain("a link is on its way");
    expect(await axeViolations(p)).toEqual([]);
    await expect
      .poll(() => outbox.find((m) => m.kind === "password_reset_link")?.link, { timeout: 10_000 })
      .toBeTruthy();
    const link = outbox.find((m) => m.kind === "password_reset_link")?.link ?? "";
    expect(new URL(link).searchParams.get("region")).toBeTruthy();
    await p.goto(link);
    expect(p.url()).toBe(`${servers.url}/reset-password`);
    expect(await p.content()).not.toContain(new URL(link).searchParams.get("code") ?? "?");
    expect(await axeViolations(p)).toEqual([]);
    await p.getByLabel("New password", { exact: true }).fill("Alice-Reset-Pass-2!");
    await p.getByLabel("New password again").fill("Alice-Reset-Pass-2!");
    await submit(p, "Change password");
    expect(new URL(p.url()).search).toBe("?passwordReset");
    expect(await p.getByRole("status").textContent()).toContain("Your password has been changed");
    await signIn(p, "alice", "Alice-Reset-Pass-2!");
    await expect.poll(() => p.getByRole("heading", { name: "Signed in" }).isVisible()).toBe(true);
    // The link is spent: opening it again leads to the "ask for a new one" page.
    await p.goto(link);
    await p.getByLabel("New password", { exact: true }).fill("Alice-Reset-Pass-3!");
    await p.getByLabel("New password again").fill("Alice-Reset-Pass-3!");
    await submit(p, "Change password");
    expect(await p.getByRole("alert").textContent()).toContain("invalid, used or expired");
  });
});
