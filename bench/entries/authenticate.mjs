// Bundle-size entry: an app that uses core for password login only.
import { createTransmitClient } from "@transmit-edge/core";

export function login(options, input) {
  return createTransmitClient(options).passwords.authenticate(input);
}
