import { describe, expect, it } from "vitest";
import { CATALOGUES, pickMessages } from "../src/i18n/index.ts";

describe("message catalogues", () => {
  it("the language follows Accept-Language by q-value; unknown or missing languages get English", () => {
    expect(pickMessages("de-CH,de;q=0.9,en;q=0.8").lang).toBe("de");
    expect(pickMessages("en-GB, de;q=0.9").lang).toBe("en");
    expect(pickMessages("fr;q=1, de;q=0.5, en;q=0.4").lang).toBe("de");
    expect(pickMessages("de;q=0").lang).toBe("en");
    expect(pickMessages("*").lang).toBe("en");
    expect(pickMessages(undefined).lang).toBe("en");
    expect(pickMessages(";;,,q=,de;q=abc").lang).toBe("en");
  });

  it("every catalogue has every message of the English one", () => {
    const [en, ...others] = CATALOGUES;
    for (const m of others) {
      expect(Object.keys(m).sort()).toEqual(Object.keys(en!).sort());
      expect(Object.keys(m.errors).sort()).toEqual(Object.keys(en!.errors).sort());
    }
  });

  it("waits are said in words: a minute, minutes, about an hour, hours", () => {
    const en = pickMessages("en");
    const de = pickMessages("de");
    expect([1, 60, 61, 600, 2640, 2700, 3580, 3600, 5400, 7200].map((s) => en.wait(s))).toEqual([
      "in a minute",
      "in a minute",
      "in about 2 minutes",
      "in about 10 minutes",
      "in about 44 minutes",
      "in about an hour",
      "in about an hour",
      "in about an hour",
      "in about 2 hours",
      "in about 2 hours",
    ]);
    expect(de.tooMany(de.wait(3580))).toBe("Zu viele Versuche. Versuchen Sie es in etwa einer Stunde wieder.");
  });
});
