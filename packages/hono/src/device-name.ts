/**
 * A short, stable summary of a `User-Agent` for the list of a user's sessions ("Firefox on Windows"): enough for a
 * person to recognise a device, nothing more (no versions, no IP address). First match wins, so the tokens that
 * other browsers copy (`Chrome/`, `Safari/`) come last.
 */

/** `token:name` (the name is the token when absent); browser tokens are followed by `/`. */
const BROWSERS = "Edg:Edge EdgA:Edge EdgiOS:Edge OPR:Opera Firefox FxiOS:Firefox CriOS:Chrome Chrome Safari".split(" ");
const SYSTEMS = "iPhone:iOS iPad:iOS Android CrOS:ChromeOS Windows Macintosh:macOS Linux".split(" ");

function pick(ua: string, list: string[], after: string): string | undefined {
  for (const item of list) {
    const [token, name = token] = item.split(":") as [string, string?];
    if (ua.includes(token + after)) return name;
  }
  return undefined;
}

/** "Firefox on Windows", "Safari on iOS", "Chrome", "Windows", or undefined when nothing is recognised. */
export function deviceName(userAgent: string | undefined): string | undefined {
  const ua = (userAgent ?? "").slice(0, 512);
  const browser = pick(ua, BROWSERS, "/");
  const system = pick(ua, SYSTEMS, "");
  return browser && system ? `${browser} on ${system}` : (browser ?? system);
}
