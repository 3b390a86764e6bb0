// Bundle-size entry: an app that logs in and verifies the ID token it gets back.
import { createTransmitClient } from "@transmit-edge/core";

export async function login(options, input) {
  const client = createTransmitClient(options);
  const tokens = await client.passwords.authenticate(input);
  return client.tokens.verifyIdToken(tokens.idToken);
}
