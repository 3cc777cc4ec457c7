/** Binds a server, rejecting with the socket error (EADDRINUSE...) instead of emitting it. */
import type { Server } from "node:net";

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
