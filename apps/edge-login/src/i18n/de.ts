/** German text of the login pages (same keys as `./en.ts`). */
import type { Messages } from "./en.ts";

export const de: Messages = {
  lang: "de",
  signIn: "Anmelden",
  username: "Benutzername oder E-Mail",
  password: "Passwort",
  signedIn: "Angemeldet",
  user: "Benutzer",
  region: "Transmit-Region",
  sessionEnds: "Sitzung endet",
  signOut: "Abmelden",
  signedOut: "Sie haben sich abgemeldet.",
  newPasswordTitle: "Neues Passwort wählen",
  newPasswordIntro: "Ihr Passwort ist vorläufig oder abgelaufen. Wählen Sie ein neues, um fortzufahren.",
  rulesIntro: "Ihr neues Passwort braucht",
  ruleLength: (n) => `mindestens ${n} Zeichen`,
  ruleKinds: (n) =>
    n >= 4
      ? "Klein- und Großbuchstaben, eine Ziffer und ein Sonderzeichen"
      : `mindestens ${n} dieser Arten: Kleinbuchstaben, Großbuchstaben, Ziffern, Sonderzeichen`,
  newPassword: "Neues Passwort",
  confirmPassword: "Neues Passwort wiederholen",
  changePassword: "Passwort ändern",
  notMet: (rules) =>
    `Das neue Passwort erfüllt ${rules.length > 1 ? "diese Regeln" : "diese Regel"} nicht: ${rules.join("; ")}.`,
  wait: (seconds) => {
    const m = Math.ceil(seconds / 60);
    if (m <= 1) return "in einer Minute";
    if (m < 45) return `in etwa ${m} Minuten`;
    return m < 90 ? "in etwa einer Stunde" : `in etwa ${Math.round(m / 60)} Stunden`;
  },
  tooMany: (when) => `Zu viele Versuche. Versuchen Sie es ${when} wieder.`,
  regionLabel: "Region Ihres Kontos",
  regionAutomatic: (name) => `Automatisch (${name})`,
  regionTried: (name) =>
    `Wir haben es in ${name} versucht. Wurde Ihr Konto in einer anderen Region angelegt, wählen Sie sie unten aus und melden Sie sich erneut an.`,
  regionNames: { us: "USA", eu: "Europa", ca: "Kanada", au: "Australien" },
  errors: {
    invalid_credentials: "Benutzername oder Passwort ist falsch.",
    invalid_request: "Geben Sie Benutzername und Passwort ein.",
    unauthorized: "Die Zeit für ein neues Passwort ist abgelaufen. Melden Sie sich erneut an.",
    password_rejected: "Dieses Passwort wurde nicht angenommen. Wählen Sie ein anderes.",
    mismatch: "Die beiden neuen Passwörter stimmen nicht überein.",
    upstream_error: "Die Anmeldung ist gerade nicht verfügbar. Versuchen Sie es gleich noch einmal.",
    upstream_unavailable: "Die Anmeldung ist gerade nicht verfügbar. Versuchen Sie es gleich noch einmal.",
    upstream_timeout: "Die Anmeldung hat zu lange gedauert. Versuchen Sie es noch einmal.",
    fallback: "Etwas ist schiefgegangen. Versuchen Sie es noch einmal.",
  },
  // Überall abmelden und die Liste der Sitzungen (issue 16 part 4).
  sessionsTitle: "Ihre Sitzungen",
  thisDevice: "Dieses Gerät",
  lastSeen: "Zuletzt aktiv",
  unknownDevice: "Unbekanntes Gerät",
  endSession: "Beenden",
  signOutEverywhere: "Überall abmelden",
};
