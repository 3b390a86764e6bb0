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
  // Zweiter Faktor: die Seite /verify (src/verify-page.ts).
  verifyTitle: "Code eingeben",
  verifyIntro:
    "Ihr Konto hat einen zweiten Faktor. Geben Sie den Code aus Ihrer Authenticator-App ein oder lassen Sie sich einen per E-Mail oder SMS senden.",
  code: "Code",
  codeFrom: "Der Code stammt aus",
  methods: { totp: "Authenticator-App", email: "E-Mail", sms: "SMS" },
  verify: "Bestätigen",
  sendCode: "Code senden",
  sendBy: (method) => `Code per ${method === "sms" ? "SMS" : "E-Mail"} senden`,
  codeSent: (method) => `Wir haben Ihnen einen Code per ${method === "sms" ? "SMS" : "E-Mail"} gesendet.`,
  verifyErrors: {
    invalid_code: "Dieser Code ist falsch oder abgelaufen.",
    invalid_request: "Geben Sie den Code ein: nur Ziffern.",
    unauthorized: "Melden Sie sich erneut an, um fortzufahren.",
    verify_again: "Zu viele falsche Codes oder die Zeit ist abgelaufen. Melden Sie sich erneut an.",
  },
  // Registrierung und Passwort vergessen (src/account-pages.ts).
  signUpLink: "Konto erstellen",
  forgotLink: "Passwort vergessen?",
  signUpTitle: "Konto erstellen",
  email: "E-Mail",
  signUpInvalid: "Geben Sie Ihre E-Mail-Adresse und ein Passwort ein.",
  haveAccount: "Schon ein Konto? Anmelden",
  signedUpNotice:
    "Falls diese E-Mail-Adresse verwendet werden konnte, ist Ihr Konto bereit: Melden Sie sich damit an. Hatte sie schon ein Konto, haben wir dessen Inhaber per E-Mail benachrichtigt.",
  forgotTitle: "Passwort zurücksetzen",
  forgotIntro:
    "Geben Sie Ihren Benutzernamen oder Ihre E-Mail ein. Gehört er zu einem Konto, senden wir einen Link für ein neues Passwort.",
  forgotInvalid: "Geben Sie Ihren Benutzernamen oder Ihre E-Mail ein.",
  sendLink: "Link senden",
  resetSent:
    "Falls dieses Konto existiert, ist ein Link unterwegs. Prüfen Sie Ihre E-Mails: Der Link gilt einige Minuten.",
  resetIntro: "Wählen Sie ein neues Passwort für Ihr Konto.",
  resetInvalid: "Dieser Link ist ungültig, schon benutzt oder abgelaufen. Fordern Sie einen neuen an.",
  passwordResetNotice: "Ihr Passwort wurde geändert. Melden Sie sich mit dem neuen an.",
  // Überall abmelden und die Liste der Sitzungen (issue 16 part 4).
  sessionsTitle: "Ihre Sitzungen",
  thisDevice: "Dieses Gerät",
  lastSeen: "Zuletzt aktiv",
  unknownDevice: "Unbekanntes Gerät",
  endSession: "Beenden",
  signOutEverywhere: "Überall abmelden",
};
