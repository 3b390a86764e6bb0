/**
 * A representative location for every ISO 3166-1 alpha-2 country code (and Kosovo's user-assigned `XK`), so that a
 * country alone routes like a request with coordinates from there. Each point is where most of the country's
 * people and traffic are (the capital or the largest city, or a point between the two largest when they are far
 * apart), rounded to whole degrees: region choice needs hundreds of kilometres of accuracy, not more. How the
 * points were chosen and their sources: docs/regions.md. Only `nearestRegion` imports this module, so a login-only
 * bundle does not carry it.
 *
 * Packed for size (0.75 KB gzip; the readable `CClat,lon` list it was made from, 1.2 KB gzip, is kept in
 * packages/core/test/nearest-region.test.ts, which checks that both give every country the same point):
 * - {@link CODES}: the country codes in alphabetical order, grouped by first letter: each group is the first letter
 *   followed by every second letter that exists with it ("ADE" = AD, AE).
 * - {@link POINTS}: three base64url digits per country, in the order of {@link CODES}: the number
 *   `(lat + 90) * 361 + (lon + 180)` (whole degrees, 0 to 65,340), most significant digit first.
 * Parsed once on first use.
 */
const CODES =
  "ADEFGILMOQRSTUWXZ BABDEFGHIJLMNOQRSTVWYZ CACDFGHIKLMNORUVWXYZ DEJKMOZ ECEGHRST FIJKMOR " +
  "GABDEFGHILMNPQRSTUWY HKMNRTU IDELMNOQRST JEMOP KEGHIMNPRWYZ LABCIKRSTUVY MACDEFGHKLMNOPQRSTUVWXYZ " +
  "NACEFGILOPRUZ OM PAEFGHKLMNRSTWY QA REOSUW SABCDEGHIJKLMNORSTVXYZ TCDFGHJKLMNORTVWZ UAGMSYZ VACEGINU " +
  "WFS XK YET ZAMW";

const POINTS =
  "LxDKMWLE-JdZJjBLmDLgzHL6BJHE4JGs1MNeFBDJGtNROLg4L28JG3KHQMeNJCILxYKR7HuAIgWJjBKx9IceGdjJBGF8AKKSKYLDN7Fx3Mvg" +
  "Jc_L7HG8THoJIVVHoJMHtIanGFhFDOIVNLFvIZhI1kJ-7JStJBFHHuLEaMYuMeTJC1M6iJSIJi6LPOHx9NLqKoLKWkJTsLgCIx2NRTGbuDYQ" +
  "IobNcFMS5H-nMjxJBMLsFIZ3MS0IgULJdNmqJHiI2qJXwIVLLVMDNTJRqJKEJB6IlDJ8WDUqJMFMCMJohMH4HeTMpVKzhMvAJ2JHYHK5TLKV" +
  "NnILrkMS1JizKziLLuH5aLyMJDzIG0G7dJdYLcbLWzKizJoYMIuJlnK-0JMfMHvInNIgJFbUM1GMYmNAXK40K-JL2xMICLrrJjBGUDIooLrt" +
  "JHrJf3MO5J8WJVXJSIJjwJdZLJwGOkIWLGwCJoGIQ_FsVF9AGE-JNeFdhImCJA0Mj3NRFKduH7cGQpEq3KGwIv_G5lGWmHOAJU-KdgMkGMGt" +
  "FvbJi-KzhLaUIoDFwjKMSGI5L3EL8nM68HzqKGkHONHjIJZPNLjIFvGkIMCLO2sMNfIrZL22JS0IKdIfdIbLH-lJMDJjBK-0FsTJ5cJCZDrL" +
  "IgVJPBLbiHJBHNrLVuLPVGFSLglI7kHOgKNYHXmMY_H-_JsQLY8E4LLm0LrkJG2I11Ji_Ji_JaYGbkGyZGs0LxWJTxG12FsQGqTGZb";

const DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

let table: Map<string, readonly [number, number]> | undefined;

/**
 * The representative `[latitude, longitude]` of a country (ISO 3166-1 alpha-2, upper case), or `undefined` for a
 * code that is not in the table.
 */
export function countryLocation(country: string): readonly [number, number] | undefined {
  if (!table) {
    table = new Map();
    let at = 0;
    for (const group of CODES.split(" ")) {
      for (const second of group.slice(1)) {
        let n = 0;
        for (const end = at + 3; at < end; at++) n = n * 64 + DIGITS.indexOf(POINTS[at] as string);
        table.set(group.slice(0, 1) + second, [Math.floor(n / 361) - 90, (n % 361) - 180]);
      }
    }
  }
  return table.get(country);
}

/** Every country code in the table (for tests and docs). */
export function countryCodes(): string[] {
  countryLocation("US");
  return [...(table?.keys() ?? [])];
}
