/** @jsxImportSource hono/jsx */
import type { Child, FC } from "hono/jsx";
import { type RegionFieldProps, regionField } from "./region-field.ts";

const Layout: FC<{ title: string; children?: Child }> = ({ title, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>{title} · transmit-edge</title>
      <link rel="stylesheet" href="/styles.css" />
    </head>
    <body>
      <main class="card">{children}</main>
    </body>
  </html>
);

const ErrorRegion: FC<{ message?: string | undefined }> = ({ message }) => (
  // Always present so screen readers announce the message when a re-rendered page fills it.
  <p id="form-error" class={message ? "error" : "error empty"} role="alert" aria-live="polite">
    {message ?? ""}
  </p>
);

export interface LoginPageProps {
  error?: string | undefined;
  username?: string | undefined;
  returnTo?: string | undefined;
  notice?: string | undefined;
  /** The region select (region-field.ts), when more than one region is configured. */
  region?: RegionFieldProps | undefined;
}

/** The sign-in form. Works without JavaScript: a plain same-origin form POST to the login route. */
export const LoginPage: FC<LoginPageProps> = ({ error, username, returnTo, notice, region }) => (
  <Layout title="Sign in">
    <h1>Sign in</h1>
    {notice ? <p class="notice">{notice}</p> : null}
    <ErrorRegion message={error} />
    <form method="post" action="/auth/login" aria-describedby="form-error">
      {returnTo ? <input type="hidden" name="returnTo" value={returnTo} /> : null}
      <label for="username">Username or email</label>
      <input
        id="username"
        name="username"
        type="text"
        autocomplete="username"
        autocapitalize="none"
        spellcheck={false}
        required
        maxlength={256}
        value={username ?? ""}
        autofocus
      />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength={1024} />
      {region ? regionField(region) : null}
      <button type="submit">Sign in</button>
    </form>
  </Layout>
);

export interface HomePageProps {
  user: string;
  region: string;
  expiresAt: number;
}

/** The signed-in view: who, which Transmit region holds the session, and when it ends. */
export const HomePage: FC<HomePageProps> = ({ user, region, expiresAt }) => (
  <Layout title="Signed in">
    <h1>Signed in</h1>
    <dl>
      <dt>User</dt>
      <dd data-testid="user">{user}</dd>
      <dt>Transmit region</dt>
      <dd data-testid="region">{region.toUpperCase()}</dd>
      <dt>Session ends</dt>
      <dd>
        <time datetime={new Date(expiresAt).toISOString()}>{new Date(expiresAt).toUTCString()}</time>
      </dd>
    </dl>
    <form method="post" action="/auth/logout">
      <button type="submit" class="secondary">
        Sign out
      </button>
    </form>
  </Layout>
);

/** Finish a forced password change (temporary or expired password). */
export const PasswordChangePage: FC<{ error?: string | undefined }> = ({ error }) => (
  <Layout title="Choose a new password">
    <h1>Choose a new password</h1>
    <p>Your password is temporary or has expired. Choose a new one to continue.</p>
    <ErrorRegion message={error} />
    <form method="post" action="/auth/password" aria-describedby="form-error">
      <label for="newPassword">New password</label>
      <input
        id="newPassword"
        name="newPassword"
        type="password"
        autocomplete="new-password"
        required
        maxlength={1024}
      />
      <button type="submit">Change password</button>
    </form>
  </Layout>
);

/** A few lines of CSS, served as a stylesheet so the CSP needs no inline styles. */
export const STYLES = `
:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: Canvas; color: CanvasText; }
.card { width: min(24rem, 100% - 2rem); padding: 2rem; border: 1px solid #8884; border-radius: 12px; }
h1 { margin-top: 0; font-size: 1.5rem; }
label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
input, select { width: 100%; box-sizing: border-box; padding: .6rem; font: inherit; border: 1px solid #8888; border-radius: 6px; }
button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; border: 0; border-radius: 6px;
  background: #1f5fd6; color: #fff; cursor: pointer; }
button.secondary { background: #8883; color: inherit; }
:focus-visible { outline: 3px solid #1f5fd6; outline-offset: 2px; }
.error { color: #c62828; font-weight: 600; } .error.empty { display: none; }
.notice { color: #2e7d32; }
dt { font-weight: 600; } dd { margin: 0 0 .75rem; }
`;
