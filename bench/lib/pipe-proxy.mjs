// The smallest Node TCP forwarder: `node pipe-proxy.mjs <listenPort> <targetPort>`.
// A second baseline for the emulator's forwarders: what Node's socket.pipe() costs by itself.
import net from "node:net";

const [listenPort, targetPort] = process.argv.slice(2).map(Number);
const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ host: "127.0.0.1", port: targetPort, noDelay: true });
  client.pipe(upstream);
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
});
server.listen(listenPort, "127.0.0.1", () => process.stdout.write(`pipe-proxy ready on ${listenPort}\n`));
process.on("SIGTERM", () => process.exit(0));
