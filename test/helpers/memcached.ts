/** Sends one raw memcached text command and resolves with the complete reply. */
import net from "node:net";

const terminators = ["\r\nEND\r\n", "STORED\r\n", "NOT_STORED\r\n", "DELETED\r\n", "NOT_FOUND\r\n", "ERROR\r\n", "\r\n"];

export function memcachedCommand(port: number, command: string, host = "127.0.0.1"): Promise<string> {
  const expectsEnd = /^(get|gets|config get|stats)\b/.test(command);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let reply = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete reply to ${JSON.stringify(command)} (got ${JSON.stringify(reply)})`));
    }, 5_000);
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      const done = expectsEnd ? reply.endsWith("END\r\n") : terminators.some((t) => reply.endsWith(t));
      if (done) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(command);
  });
}
