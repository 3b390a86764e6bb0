/**
 * A representative location for every ISO 3166-1 alpha-2 country code (and Kosovo's user-assigned `XK`), so that a
 * country alone routes like a request with coordinates from there. Each point is where most of the country's
 * people and traffic are (the capital or the largest city, or a point between the two largest when they are far
 * apart), rounded to whole degrees: region choice needs hundreds of kilometres of accuracy, not more. How the
 * points were chosen and their sources: docs/regions.md.
 *
 * Packed as `CClat,lon` entries separated by spaces (about 2.2 KB, 1.1 KB gzip), parsed once on first use. Only
 * `nearestRegion` imports this module, so a login-only bundle does not carry it.
 */
const PACKED =
  "AD43,2 AE25,55 AF35,69 AG17,-62 AI18,-63 AL41,20 AM40,45 AO-9,13 AQ-78,167 AR-35,-58 AS-14,-171 AT48,16 " +
  "AU-34,151 AW13,-70 AX60,20 AZ40,50 BA44,18 BB13,-60 BD24,90 BE51,4 BF12,-2 BG43,23 BH26,51 BI-3,29 BJ6,2 " +
  "BL18,-63 BM32,-65 BN5,115 BO-17,-66 BQ12,-68 BR-23,-47 BS25,-77 BT27,90 BV-54,3 BW-25,26 BY54,28 BZ17,-88 " +
  "CA45,-76 CC-12,97 CD-4,15 CF4,19 CG-4,15 CH47,8 CI5,-4 CK-21,-160 CL-33,-71 CM4,11 CN35,118 CO5,-74 " +
  "CR10,-84 CU23,-82 CV15,-24 CW12,-69 CX-10,106 CY35,33 CZ50,14 DE51,10 DJ12,43 DK56,12 DM15,-61 DO18,-70 " +
  "DZ37,3 EC-2,-79 EE59,25 EG30,31 EH27,-13 ER15,39 ES40,-4 ET9,39 FI60,25 FJ-18,178 FK-52,-58 FM7,158 " +
  "FO62,-7 FR49,2 GA0,9 GB52,-1 GD12,-62 GE42,45 GF5,-52 GG49,-3 GH6,0 GI36,-5 GL64,-52 GM13,-17 GN10,-14 " +
  "GP16,-62 GQ4,9 GR38,24 GS-54,-37 GT15,-91 GU13,145 GW12,-16 GY7,-58 HK22,114 HM-53,73 HN14,-87 HR46,16 " +
  "HT19,-72 HU47,19 ID-6,107 IE53,-6 IL32,35 IM54,-4 IN21,78 IO-7,72 IQ33,44 IR36,51 IS64,-22 IT42,12 " +
  "JE49,-2 JM18,-77 JO32,36 JP36,140 KE-1,37 KG43,75 KH12,105 KI1,173 KM-12,43 KN17,-63 KP39,126 KR38,127 " +
  "KW29,48 KY19,-81 KZ47,73 LA18,103 LB34,36 LC14,-61 LI47,10 LK7,80 LR6,-11 LS-29,27 LT55,25 LU50,6 " +
  "LV57,24 LY33,13 MA34,-7 MC44,7 MD47,29 ME42,19 MF18,-63 MG-19,48 MH7,171 MK42,21 ML13,-8 MM17,96 " +
  "MN48,107 MO22,114 MP15,146 MQ15,-61 MR18,-16 MS17,-62 MT36,14 MU-20,58 MV4,73 MW-14,34 MX19,-99 MY3,102 " +
  "MZ-26,33 NA-23,17 NC-22,166 NE14,2 NF-29,168 NG7,5 NI12,-86 NL52,5 NO60,11 NP28,84 NR-1,167 NU-19,-170 " +
  "NZ-38,175 OM24,58 PA9,-80 PE-12,-77 PF-18,-150 PG-9,147 PH15,121 PK28,70 PL52,20 PM47,-56 PN-25,-130 " +
  "PR18,-66 PS32,35 PT39,-9 PW7,134 PY-25,-58 QA25,51 RE-21,56 RO44,26 RS45,20 RU56,38 RW-2,30 SA24,46 " +
  "SB-9,160 SC-5,55 SD16,33 SE59,18 SG1,104 SH-16,-6 SI46,15 SJ78,16 SK48,17 SL8,-13 SM44,12 SN15,-17 SO2,45 " +
  "SR6,-55 SS5,32 ST0,7 SV14,-89 SX18,-63 SY34,36 SZ-26,31 TC22,-72 TD12,15 TF-49,70 TG6,1 TH14,101 TJ39,69 " +
  "TK-9,-172 TL-9,126 TM38,58 TN37,10 TO-21,-175 TR40,31 TT11,-61 TV-9,179 TW25,121 TZ-7,39 UA50,31 UG0,33 " +
  "UM19,167 US39,-97 UY-35,-56 UZ41,69 VA42,12 VC13,-61 VE10,-67 VG18,-65 VI18,-65 VN16,106 VU-18,168 " +
  "WF-13,-176 WS-14,-172 XK43,21 YE15,44 YT-13,45 ZA-26,28 ZM-15,28 ZW-18,31";

let table: Map<string, readonly [number, number]> | undefined;

/**
 * The representative `[latitude, longitude]` of a country (ISO 3166-1 alpha-2, upper case), or `undefined` for a
 * code that is not in the table.
 */
export function countryLocation(country: string): readonly [number, number] | undefined {
  if (!table) {
    table = new Map();
    for (const entry of PACKED.split(" ")) {
      const [lat, lon] = entry.slice(2).split(",");
      table.set(entry.slice(0, 2), [Number(lat), Number(lon)]);
    }
  }
  return table.get(country);
}

/** Every country code in the table (for tests and docs). */
export function countryCodes(): string[] {
  countryLocation("US");
  return [...(table?.keys() ?? [])];
}
