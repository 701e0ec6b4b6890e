// In-sandbox forwarder: listens on the sandbox's own 127.0.0.1 and pipes each connection to the proxy's bind-mounted Unix socket.
// Run inside the sandbox as `node forwarder.js <port> <socket-path>` (bytes only: it never parses traffic).
import net from "node:net";
import { pathToFileURL } from "node:url";

export interface Forwarder {
  port: number;
  close(): Promise<void>;
}

export async function startForwarder(port: number, socketPath: string): Promise<Forwarder> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    const done = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", done);
    upstream.on("error", done);
    client.on("close", done);
    upstream.on("close", done);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  return {
    port: addr !== null && typeof addr === "object" ? addr.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [portArg, socketPath] = process.argv.slice(2);
  const port = Number(portArg);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !socketPath) {
    console.error("usage: forwarder <port> <socket-path>");
    process.exit(2);
  }
  await startForwarder(port, socketPath);
}
