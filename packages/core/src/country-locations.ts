/**
 * A representative location for every ISO 3166-1 alpha-2 country code (and Kosovo's user-assigned `XK`), so that a
 * country alone routes like a request with coordinates from there. Each point is where most of the country's
 * people and traffic are (the capital or the largest city, or a point between the two largest when they are far
 * apart), rounded to whole degrees: region choice needs hundreds of kilometres of accuracy, not more. How the
 * points were chosen and their sources: docs/regions.md. Only `nearestRegion` imports this module, so a login-only
 * bundle does not carry it.
 *
 * Packed for size: 1.0 KB of the Worker's gzip with its decoder, against 1.75 KB for the readable `CClat,lon` list
 * it was made from (bench/README.md, "Fifth pass"). That list is kept in packages/core/test/nearest-region.test.ts,
 * which packs it itself and compares the result with these strings, and checks that every country decodes to its
 * point: to change a point, change the list there and paste the strings its failure shows. Both strings are bits,
 * most significant first, six to a character: the character with code 48 + their value (`0` to `o`, base 64
 * without a lookup table).
 * - {@link CODES}: one bit per two-letter code from AA to ZZ in alphabetical order, set for the codes in the table.
 * - {@link POINTS}: 16 bits per country, in the order of the codes: the number `(lat + 90) * 361 + (lon + 180)`
 *   (whole degrees, 0 to 65,340).
 * Parsed once on first use.
 */
export const CODES =
  "7Y[kMoNm^g_To26X0B\\0L00jT0gigjP0\\F0H7_020\\00^=@_PX7b_coojjCB40200ScabX000080RXnoiecMnEV2223ZX@80@0800800200@8080P";

export const POINTS =
  "_4>S5[4nUeVH`KV3^3=bnQ97CPU[=L=ND4>A[MA>^3Rm_96gXM37SI28_5RTNg^0R1JH`JamQaiWHi16G`2RTZH;<g]LMl_PUcnn" +
  "aflCNPV5EGX9`Nf6Yf5QD<j5CK5_QV6=I9nkU:f@AG7^\\A[6;\\NCT;G>XYB8V;ZccWamd^ZZ2jFTU>bh0Xafe5=VkSH@RQ_G1LBi" +
  "OjO8lI1<^`F6MlBdR1BbGMVZTN:=ZYG`QD^eC3=CU6ZBQ91jRD>O5SDZT`G0S9XQ`OQgTlYE[>7;`9f9MPN^Dk:EfLRji<BeV;>\\" +
  "h[;^OUZlS93cPKA^gIMH]a^e\\jRcVQS2;YUW[kBC7l7_RLf82EKDcDK69]0G[SB_RKfa`P:jjiS1I@>::;[]TN^Gml>iWaJEEiB8" +
  "V?2GFK9`HjB5Rf`2VPJ4?e\\EGd1Q?Y=NEf69PY0db?ODAJM^O]aT:DZgXK2;ofiUIJIcP9DnYf391\\6]Fm^H_ZcQ]YB:0e`SXa9R" +
  ">Kg4_bO>_7cZXJAcSGS8UToBhh5_J@S0Rnf\\`en:fKffU;B2WHOMQ\\]oYI<3V<6_]5\\CWUb@VC[;R1FC`KKRLT5cJkE^\\mEQD[PU" +
  "S^AcX:=HMNK6?gnoVa2f?4h;^KBji96fSGFH_iRoUYQVi6bIJcBlEYCaKGIK46ZCIU\\";

let table: Map<string, readonly [number, number]> | undefined;

/**
 * The representative `[latitude, longitude]` of a country (ISO 3166-1 alpha-2, upper case), or `undefined` for a
 * code that is not in the table.
 */
export function countryLocation(country: string): readonly [number, number] | undefined {
  if (!table) {
    table = new Map();
    let at = 0;
    let bits = 0; // how many bits `acc` holds
    let acc = 0;
    for (let i = 0; i < 26 * 26; i++) {
      if (!(((CODES.charCodeAt(i / 6) - 48) >> (5 - (i % 6))) & 1)) continue;
      for (; bits < 16; bits += 6) acc = (acc << 6) | (POINTS.charCodeAt(at++) - 48);
      bits -= 16;
      const n = acc >> bits;
      acc &= (1 << bits) - 1;
      table.set(String.fromCharCode(65 + i / 26, 65 + (i % 26)), [Math.floor(n / 361) - 90, (n % 361) - 180]);
    }
  }
  return table.get(country);
}

/** Every country code in the table (for tests and docs). */
export function countryCodes(): string[] {
  countryLocation("US");
  return [...(table?.keys() ?? [])];
}
