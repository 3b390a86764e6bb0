// Worker entry (bundled with esbuild for workerd, run in miniflare): signs in against `env.TRANSMIT_ROOT`.
import { signIn } from "./sign-in.mjs";

export default {
  async fetch(_request, env) {
    try {
      return Response.json({ runtime: "workerd", ...(await signIn(env.TRANSMIT_ROOT)) });
    } catch (error) {
      return new Response(String(error?.stack ?? error), { status: 500 });
    }
  },
};
