/**
 * Node-only helpers: serve an emulator over a real socket with `@hono/node-server`.
 *
 * @example
 * ```ts
 * import { startEmulatorServer } from "@transmit-edge/emulator/node";
 * const server = await startEmulatorServer({ port: 0 });
 * console.log(server.url, server.info()[0]?.root);
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createEmulator, type Emulator, type EmulatorOptions, isEmulatedDrop, type RegionInfo } from "./index.js";

/** Options of {@link startEmulatorServer}. */
export interface EmulatorServerOptions extends EmulatorOptions {
  /** TCP port (default 4010; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
}

/** A listening emulator. */
export interface EmulatorServer {
  /** `http://host:port` (no trailing slash). */
  url: string;
  port: number;
  host: string;
  emulator: Emulator;
  /** Per-region information with root URLs on this server. */
  info(): RegionInfo[];
  /** Releases hanging calls, closes every connection and the listener. */
  close(): Promise<void>;
}

/** Starts an emulator on a socket; resolves once it is listening and its keys are ready. */
export async function startEmulatorServer(options: EmulatorServerOptions = {}): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  const emulator = createEmulator(options);
  await emulator.ready();
  const listener = getRequestListener(
    async (request: Request, env: { incoming: Pick<IncomingMessage, "socket"> }) => {
      try {
        return await emulator.fetch(request);
      } catch (error) {
        // A dropped connection (fault) or a call released by close()/client abort: end the socket without an answer.
        // The socket is gone, so this placeholder answer is never written.
        env.incoming.socket.destroy();
        return new Response(null, { status: isEmulatedDrop(error) ? 502 : 499 });
      }
    },
    { overrideGlobalObjects: false },
  );
  const server: Server = createServer((req, res) => {
    res.on("error", () => undefined);
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4010, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    host,
    emulator,
    info: () => emulator.info(url),
    close: () =>
      new Promise<void>((resolve) => {
        emulator.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type { Emulator, EmulatorOptions, RegionInfo };
