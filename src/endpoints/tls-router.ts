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

export type Target = { host: string; port: number };

/** The listener, its connections and the splice; an IamFront (iam-front.ts) routes some connections its own way. */
export class TlsRouter {
  private server: net.Server | null = null;
  private boundPort: number | null = null;
  private readonly sockets = new Set<net.Socket>();
  protected readonly log: Logger;
  /** The engine's plaintext and TLS listeners; connections before they are known are closed. */
  protected targets: { plain: Target; tls: Target } | undefined;

  constructor(
    private readonly routerOptions: TlsRouterOptions,
    component = "tls-router",
  ) {
    this.log = routerOptions.logger.child({ component, node: routerOptions.name });
  }

  async start(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
    await listen(server, this.routerOptions.port, this.routerOptions.bindHost);
    server.on("error", (err) => this.log.error("listener error", { error: err.message }));
    this.server = server;
    this.boundPort = (server.address() as net.AddressInfo).port;
  }

  setTargets(plain: Target, tls: Target): void {
    this.targets = { plain, tls };
  }

  get port(): number {
    return this.boundPort ?? this.routerOptions.port;
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

  protected track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  private accept(client: net.Socket): void {
    this.track(client);
    sniffTls(client, (first, isTls) => this.route(client, first, isTls));
  }

  /** By the first byte: a TLS handshake to the engine's TLS port, anything else to its plaintext port. */
  protected route(client: net.Socket, first: Buffer, isTls: boolean): void {
    if (!this.targets) return void client.destroy();
    this.splice(client, first, isTls ? this.targets.tls : this.targets.plain);
  }

  /** Bytes only, both ways (`pipe()`, Nagle off); the first chunk read goes ahead. */
  protected splice(client: net.Socket, first: Buffer, target: Target): void {
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    this.track(upstream);
    upstream.write(first);
    upstream.on("error", (error: NodeJS.ErrnoException) => {
      upstream.destroy();
      // A reset from the engine's side is passed on as one, as a direct connection would see it.
      if (error.code === "ECONNRESET" && !client.destroyed) client.resetAndDestroy();
      else client.destroy();
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
