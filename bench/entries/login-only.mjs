// Bundle-size entry: an app that uses core for password login only, through the login-only entry point.
import { createLoginClient } from "@transmit-edge/core/login";

export function login(options, input) {
  return createLoginClient(options).passwords.authenticate(input);
}
