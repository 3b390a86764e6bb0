/**
 * The message catalogues and the choice among them. Adding a language: a file like `./de.ts` (the `Messages`
 * type lists every key) and its name in `CATALOGUES`.
 */
import { de } from "./de.ts";
import { en, type Messages } from "./en.ts";

export type { Messages };

/** Every catalogue; the first is the default. */
export const CATALOGUES: readonly Messages[] = [en, de];

/** The best catalogue for an `Accept-Language` header (highest q first; `*` or nothing usable: the default). */
export function pickMessages(acceptLanguage: string | null | undefined): Messages {
  let best: Messages | undefined;
  let bestQ = 0;
  for (const part of (acceptLanguage ?? "").slice(0, 512).split(",")) {
    const [tag = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.find((p) => p.trim().startsWith("q="));
    const q = qParam ? Number(qParam.trim().slice(2)) : 1;
    if (!(q > bestQ)) continue;
    const found = CATALOGUES.find((m) => m.lang === tag.split("-")[0]);
    if (found) {
      best = found;
      bestQ = q;
    }
  }
  return best ?? CATALOGUES[0]!;
}
