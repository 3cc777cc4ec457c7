/**
 * TransitEncryptionMode `preferred`: TLS and plaintext clients on one port, as AWS allows
 * while clients migrate. Neither redis-server nor memcached can serve both on one port,
 * so the engine listens on two internal ports and this listener, on the node's public
 * port, routes each connection by its first byte (tls-sniff.ts): a TLS handshake goes to
 * the engine's TLS port, anything else to its plaintext port. TLS is still terminated by
 * the engine; the router only splices bytes (`pipe()` both ways, Nagle off).
 */
import net from "node:net";
import type { Logger } from "../logger.js";
import { listen } from "../process/listen.js";
import { sniffTls } from "./tls-sniff.js";

export interface TlsRouterOptions {
  bindHost: string;
  port: number;
  logger: Logger;
  name: string;
}

export class TlsRouter {
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly log: Logger;
  /** The engine's plaintext and TLS listeners; connections before they are known are closed. */
  private targets: { plain: { host: string; port: number }; tls: { host: string; port: number } } | undefined;

  constructor(private readonly opts: TlsRouterOptions) {
    this.log = opts.logger.child({ component: "tls-router", node: opts.name });
  }

  async start(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await listen(server, this.opts.port, this.opts.bindHost);
    server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
  }

  setTargets(plain: { host: string; port: number }, tls: { host: string; port: number }): void {
    this.targets = { plain, tls };
  }

  get port(): number {
    return this.boundPort ?? this.opts.port;
  }

  /** Closes the listener (at once: the port is free for a replacement) and every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    sniffTls(client, (first, isTls) => this.route(client, first, isTls));
  }

  private route(client: net.Socket, first: Buffer, isTls: boolean): void {
    if (!this.targets) return void client.destroy();
    const target = isTls ? this.targets.tls : this.targets.plain;
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    this.track(upstream);
    upstream.write(first);
    upstream.on("error", () => {
      upstream.destroy();
      client.destroy();
    });
    upstream.once("connect", () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once("close", () => client.destroySoon());
    client.once("close", () => upstream.destroySoon());
  }
}
