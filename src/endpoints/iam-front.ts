/**
 * IAM authentication in front of a Redis/Valkey node. The engine (redis-server 7.0) cannot
 * check an ElastiCache IAM token itself, so this listener on the node's public port does:
 *
 * - While the node has no IAM user, each connection is routed by its first byte, as the
 *   TransitEncryptionMode `preferred` router does (tls-router.ts): TLS bytes are spliced to
 *   the engine's TLS port (TLS stays the engine's), plaintext to its plaintext port, or
 *   closed in mode `required`.
 * - Once the node has IAM users, a new connection has its TLS terminated here and its
 *   command stream followed by a RespAuthScanner on its way to the engine's plaintext port.
 *   `AUTH <user> <token>` / `HELLO ... AUTH <user> <token>` for an IAM user whose token
 *   `checkToken` accepts is passed on with the user's internal password (the only one the
 *   engine's ACL has for that user); anything else reaches the engine as sent, so a bad
 *   token gets the engine's own `WRONGPASS` in order with the other replies, and the engine
 *   stays the one that decides who is in. Replies are piped back untouched.
 * - An IAM-authenticated connection is closed `connectionLifetimeMs` after its last
 *   successful IAM authentication (AWS: 12 hours); authenticating again extends it.
 */
import net from "node:net";
import tls from "node:tls";
import type { Logger } from "../logger.js";
import { encodeCommand, RespAuthScanner, type AuthCommand } from "./resp-auth-scanner.js";
import { TlsRouter, type Target } from "./tls-router.js";

export interface IamFrontOptions {
  bindHost: string;
  port: number;
  logger: Logger;
  name: string;
  /** `required`: plaintext connections are closed, as a TLS-only engine does; `preferred`: both. */
  mode: "required" | "preferred";
  /** The server certificate and key (PEM) TLS connections are terminated with once IAM users exist. */
  cert: string;
  key: string;
  /** Whether `token` authenticates `userName` (an IAM user of this node) to this cache now. */
  checkToken: (userName: string, token: string) => boolean;
  /** How long an IAM-authenticated connection lives without authenticating again (AWS: 12 h). */
  connectionLifetimeMs: number;
  /**
   * Meters every client connection (a serverless cache's ECPU limit, ecpu-throttle.ts): when
   * set, TLS is always terminated here and the client's bytes pass through the gate it returns.
   */
  gate?: (client: net.Socket, send: (bytes: Buffer) => void) => ConnectionGate;
}

/** What a metering gate does with a connection's bytes: requests on their way, replies counted. */
export interface ConnectionGate {
  write(bytes: Buffer): void;
  replied(bytes: number): void;
  /** The client ended its side: `then` runs once the gate has passed on everything it holds. */
  end(then: () => void): void;
}

export class IamFront extends TlsRouter {
  /** IAM user name -> the password the engine's ACL has for it. */
  private iamUsers: ReadonlyMap<string, string> = new Map();
  private readonly secureContext: tls.SecureContext;

  constructor(private readonly opts: IamFrontOptions) {
    super(opts, "iam-front");
    this.secureContext = tls.createSecureContext({ cert: opts.cert, key: opts.key });
  }

  /** The node's IAM users and their engine passwords; new connections follow it. */
  setIamUsers(users: ReadonlyMap<string, string>): void {
    this.iamUsers = users;
  }

  /** No IAM user: bytes only, as the TLS router does; else TLS terminated here and the commands scanned. */
  protected override route(client: net.Socket, first: Buffer, isTls: boolean): void {
    const targets = this.targets;
    if (!targets || (!isTls && this.opts.mode === "required")) return void client.destroy();
    if (this.iamUsers.size === 0 && !this.opts.gate) return this.splice(client, first, isTls ? targets.tls : targets.plain);
    if (!isTls) return this.authenticate(client, first, targets.plain);
    client.unshift(first);
    const secure = new tls.TLSSocket(client, { isServer: true, secureContext: this.secureContext });
    secure.on("error", () => client.destroy());
    this.authenticate(secure, undefined, targets.plain);
  }

  /** The client's commands through the scanner to the engine's plaintext port; replies straight back. */
  private authenticate(client: net.Socket | tls.TLSSocket, first: Buffer | undefined, target: Target): void {
    const upstream = net.connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
    this.track(upstream);
    let expiry: NodeJS.Timeout | undefined;
    const close = () => {
      if (expiry) clearTimeout(expiry);
      client.destroy();
      upstream.destroy();
    };
    // Without IAM users the stream needs no scanning (a later IAM AUTH here is refused, as on a spliced connection).
    const scanner = this.iamUsers.size === 0 ? undefined : new RespAuthScanner((command) => {
      const replacement = this.rewrite(command);
      if (replacement) {
        if (expiry) clearTimeout(expiry);
        expiry = setTimeout(() => {
          this.log.info("IAM-authenticated connection reached its lifetime; closing it");
          close();
        }, this.opts.connectionLifetimeMs);
        expiry.unref();
      }
      return replacement;
    });
    let waiting = false;
    let ok = true;
    const send = (piece: Buffer) => {
      ok = upstream.write(piece);
    };
    const gate = this.opts.gate?.(client, send);
    const pass = gate ? (piece: Buffer) => gate.write(piece) : send;
    const forward = (chunk: Buffer) => {
      ok = true;
      if (scanner) for (const piece of scanner.push(chunk)) pass(piece);
      else pass(chunk);
      if (!ok && !waiting) {
        // Backpressure, as pipe() does: the engine's side drains before the client is read again.
        waiting = true;
        client.pause();
        upstream.once("drain", () => {
          waiting = false;
          client.resume();
        });
      }
    };
    upstream.on("error", close);
    client.on("error", close);
    upstream.once("connect", () => {
      if (gate) upstream.on("data", (reply: Buffer) => gate.replied(reply.length));
      upstream.pipe(client);
      if (first) forward(first);
      client.on("data", forward);
      client.resume();
    });
    client.once("end", () => (gate ? gate.end(() => upstream.end()) : upstream.end()));
    upstream.once("close", () => {
      if (expiry) clearTimeout(expiry);
      client.destroySoon();
    });
    client.once("close", () => {
      if (expiry) clearTimeout(expiry);
      upstream.destroySoon();
    });
  }

  /** A valid token for an IAM user, outside a transaction: the same command with the user's engine password. */
  private rewrite(command: AuthCommand): Buffer | undefined {
    const user = command.args[command.userIndex].toString("utf8");
    const secret = this.iamUsers.get(user);
    if (secret === undefined || command.inMulti) return undefined;
    if (!this.opts.checkToken(user, command.args[command.passwordIndex].toString("utf8"))) return undefined;
    const args = command.args.slice();
    args[command.passwordIndex] = Buffer.from(secret, "utf8");
    return encodeCommand(args);
  }
}
