/**
 * A client of haproxy's runtime API (the `stats socket`, level admin) over one unix-socket
 * connection in prompt mode: commands are written at once, in order, and each reply ends
 * with the prompt. Writing at once matters: a target change is on its way to haproxy
 * before the emulator does anything else (such as answering that the group is available).
 */
import net from "node:net";

const PROMPT = "\n> ";

interface Pending {
  resolve(reply: string): void;
  reject(error: Error): void;
}

export class HaproxyAdmin {
  private buffer = "";
  private readonly pending: Pending[] = [];
  private closedError: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.onData(chunk));
    socket.on("error", (err) => this.fail(err));
    socket.on("close", () => this.fail(new Error("haproxy runtime API connection closed")));
  }

  /** Connects and enters prompt mode; rejects when nothing listens at `path` (yet). */
  static connect(path: string, timeoutMs = 2_000): Promise<HaproxyAdmin> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ path });
      const timer = setTimeout(() => socket.destroy(new Error(`haproxy runtime API at ${path} did not answer`)), timeoutMs);
      socket.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once("connect", () => {
        const admin = new HaproxyAdmin(socket);
        admin.command("prompt").then(
          () => {
            clearTimeout(timer);
            resolve(admin);
          },
          (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    });
  }

  get open(): boolean {
    return this.closedError === undefined;
  }

  /** Sends one command line now; resolves with its reply (without the prompt). */
  command(line: string): Promise<string> {
    if (/[\r\n;]/.test(line)) return Promise.reject(new Error(`invalid runtime API command ${JSON.stringify(line)}`));
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(`${line}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf(PROMPT); end >= 0; end = this.buffer.indexOf(PROMPT)) {
      const reply = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + PROMPT.length);
      this.pending.shift()?.resolve(reply);
    }
  }

  private fail(error: Error): void {
    this.closedError ??= error;
    for (const p of this.pending.splice(0)) p.reject(this.closedError);
  }
}
