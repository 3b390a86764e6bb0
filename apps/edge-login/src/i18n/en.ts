/**
 * English text of the login pages. Every other language is one file like this one with the same keys (the
 * `Messages` type makes a missing key a type error), listed in `./index.ts`.
 */
export const en = {
  /** BCP 47 primary language subtag, matched against `Accept-Language`. */
  lang: "en",
  signIn: "Sign in",
  username: "Username or email",
  password: "Password",
  signedIn: "Signed in",
  user: "User",
  region: "Transmit region",
  sessionEnds: "Session ends",
  signOut: "Sign out",
  signedOut: "You have signed out.",
  newPasswordTitle: "Choose a new password",
  newPasswordIntro: "Your password is temporary or has expired. Choose a new one to continue.",
  rulesIntro: "Your new password needs",
  ruleLength: (n: number) => `at least ${n} characters`,
  ruleKinds: (n: number) =>
    n >= 4
      ? "lowercase and uppercase letters, a digit and a symbol"
      : `at least ${n} of these: lowercase letters, uppercase letters, digits, symbols`,
  newPassword: "New password",
  confirmPassword: "New password again",
  changePassword: "Change password",
  notMet: (rules: string[]) =>
    `The new password does not meet ${rules.length > 1 ? "these rules" : "this rule"}: ${rules.join("; ")}.`,
  /** When to try again, in words: the throttles answer in seconds (up to an hour). */
  wait: (seconds: number) => {
    const m = Math.ceil(seconds / 60);
    if (m <= 1) return "in a minute";
    if (m < 45) return `in about ${m} minutes`;
    return m < 90 ? "in about an hour" : `in about ${Math.round(m / 60)} hours`;
  },
  tooMany: (when: string) => `Too many attempts. Try again ${when}.`,
  /** The sign-in form's region select (home-region routing, docs/regions.md). */
  regionLabel: "Region of your account",
  regionAutomatic: (name: string) => `Automatic (${name})`,
  regionTried: (name: string) =>
    `We tried ${name}. If your account was created in another region, choose it below and sign in again.`,
  /** Short enough for "Automatic (...)" on a 320 px screen; the select adds the region's code. */
  regionNames: { us: "United States", eu: "Europe", ca: "Canada", au: "Australia" },
  /** Problems shown on a page, by kind (the router's problem kinds, plus `mismatch`); `fallback` for the rest. */
  errors: {
    invalid_credentials: "Wrong username or password.",
    invalid_request: "Enter your username and password.",
    unauthorized: "The time to choose a new password ran out. Sign in again.",
    password_rejected: "That password was not accepted. Choose a different one.",
    mismatch: "The two new passwords do not match.",
    upstream_error: "Sign-in is unavailable right now. Try again shortly.",
    upstream_unavailable: "Sign-in is unavailable right now. Try again shortly.",
    upstream_timeout: "Sign-in took too long. Try again.",
    fallback: "Something went wrong. Try again.",
  } as Record<string, string>,
  /** Second factor: the /verify page (src/verify-page.ts). */
  verifyTitle: "Enter your code",
  verifyIntro:
    "Your account has a second factor. Enter the code from your authenticator app, or get one by email or text message.",
  code: "Code",
  codeFrom: "The code is from",
  methods: { totp: "Authenticator app", email: "Email", sms: "Text message (SMS)" } as Record<string, string>,
  verify: "Verify",
  sendCode: "Send me a code",
  sendBy: (method: string) => `Send a code by ${method === "sms" ? "text message" : "email"}`,
  codeSent: (method: string) => `We sent a code by ${method === "sms" ? "text message" : "email"}.`,
  verifyErrors: {
    invalid_code: "That code is wrong or has expired.",
    invalid_request: "Enter the code: digits only.",
    unauthorized: "Sign in again to continue.",
    verify_again: "Too many wrong codes, or the time ran out. Sign in again.",
  } as Record<string, string>,
  // Sign-up and forgot password (src/account-pages.ts).
  signUpLink: "Create an account",
  forgotLink: "Forgot your password?",
  signUpTitle: "Create an account",
  email: "Email",
  signUpInvalid: "Enter your email address and a password.",
  haveAccount: "Already have an account? Sign in",
  signedUpNotice:
    "If this email address could be used, your account is ready: sign in with it. If it already had an account, we have emailed its owner.",
  forgotTitle: "Reset your password",
  forgotIntro: "Enter your username or email. If it belongs to an account, we email a link to choose a new password.",
  forgotInvalid: "Enter your username or email.",
  sendLink: "Send me a link",
  resetSent: "If that account exists, a link is on its way. Check your email: the link works for a few minutes.",
  resetIntro: "Choose a new password for your account.",
  resetInvalid: "This link is invalid, used or expired. Ask for a new one.",
  passwordResetNotice: "Your password has been changed. Sign in with the new one.",
  // Sign out everywhere and the list of sessions (issue 16 part 4).
  sessionsTitle: "Your sessions",
  thisDevice: "This device",
  lastSeen: "Last seen",
  unknownDevice: "Unknown device",
  endSession: "End",
  signOutEverywhere: "Sign out everywhere",
};

/** The shape every catalogue has. */
export type Messages = typeof en;
