/**
 * Telling TLS from plaintext on one port by a connection's first byte: 0x16 opens a TLS
 * handshake record (ClientHello); a Redis or memcached command never starts with it. Redis
 * and memcached clients speak first, so the first byte is always there to read.
 */
import type net from "node:net";

/** The first byte of a TLS record carrying a handshake (ClientHello). */
export const TLS_HANDSHAKE = 0x16;

/**
 * Waits for the first bytes of an accepted connection, pauses it and hands them over with
 * whether they open a TLS handshake (they are not put back: `route` forwards or unshifts
 * them). A client that leaves before saying anything is closed.
 */
export function sniffTls(socket: net.Socket, route: (first: Buffer, isTls: boolean) => void): void {
  socket.on("error", () => socket.destroy());
  const silent = () => socket.destroy();
  socket.once("end", silent);
  socket.once("data", (first: Buffer) => {
    socket.pause();
    socket.off("end", silent);
    route(first, first[0] === TLS_HANDSHAKE);
  });
}
