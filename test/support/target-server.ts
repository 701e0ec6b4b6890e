// A local HTTP target for egress tests: echoes what it received, records every request and
// can redirect, so tests can see exactly what left the edge.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TargetServer {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Red team 18: raw responses by id (see /red18raw). */
const red18Templates = new Map<string, Buffer>();

export async function startTargetServer(): Promise<TargetServer> {
  const requests: ReceivedRequest[] = [];
  /** Tags of /slow requests whose client went away before the answer. */
  const aborted: string[] = [];
  /** Requests seen per /sink/<tag>. */
  const sinkCalls = new Map<string, number>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://target.local");
    const received = { method: req.method ?? "GET", path: url.pathname + url.search, headers: req.headers, body };
    // The log's own routes: each workers test file empties it first (test/workers/setup.ts), so a
    // file reads only its own traffic, not the multi-megabyte uploads of the files before it.
    if (url.pathname === "/__reset") {
      requests.length = 0;
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/__requests") {
      // `?contains=<text>` picks the requests whose path or body holds the text (a test's own marker).
      const contains = url.searchParams.get("contains");
      const picked = contains === null ? requests : requests.filter((r) => r.path.includes(contains) || r.body.includes(contains));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(picked.slice(-Number(url.searchParams.get("last") ?? "50"))));
      return;
    }
    requests.push(received);
    if (url.pathname.startsWith("/redirect")) {
      res.writeHead(Number(url.searchParams.get("status") ?? "302"), { location: url.searchParams.get("to") ?? "/" });
      res.end();
      return;
    }
    if (url.pathname.startsWith("/sink/")) {
      // A webhook receiver (audit sink tests): the first `fail` requests of a tag answer 503.
      const tag = url.pathname.slice("/sink/".length);
      const seen = (sinkCalls.get(tag) ?? 0) + 1;
      sinkCalls.set(tag, seen);
      const fail = seen <= Number(url.searchParams.get("fail") ?? "0");
      res.writeHead(fail ? 503 : 204);
      res.end();
      return;
    }
    if (url.pathname.startsWith("/otlp/")) {
      // An OTLP/HTTP traces receiver (telemetry tests): /otlp/<tag>[/fail-<n>|/redirect]/v1/traces answers
      // 503 with Retry-After: 0 to the first n requests of a tag, then 200 with an empty partial success.
      const [, , tag = "", mode = ""] = url.pathname.split("/");
      const seen = (sinkCalls.get(`otlp:${tag}`) ?? 0) + 1;
      sinkCalls.set(`otlp:${tag}`, seen);
      const fail = /^fail-\d+$/.test(mode) && seen <= Number(mode.slice("fail-".length));
      if (fail) {
        res.writeHead(503, { "retry-after": "0" });
        res.end();
        return;
      }
      if (mode === "redirect") {
        // A hostile collector: sends the exporter to another receiver (which must never hear from it).
        res.writeHead(307, { location: `/otlp/${tag}-followed/v1/traces` });
        res.end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
      return;
    }
    if (url.pathname === "/__aborted") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(aborted));
      return;
    }
    if (url.pathname.startsWith("/slow")) {
      // Answers after `ms`; a client that goes away first is recorded (by the request's `tag`).
      const tag = url.searchParams.get("tag") ?? "";
      const timer = setTimeout(
        () => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("slow answer");
        },
        Number(url.searchParams.get("ms") ?? "5000"),
      );
      res.on("close", () => {
        if (!res.writableEnded) {
          clearTimeout(timer);
          aborted.push(tag);
        }
      });
      return;
    }
    if (url.pathname.startsWith("/encoded")) {
      // A hostile upstream: echoes the request's Authorization in a body compressed the way it
      // chooses, whatever Accept-Encoding asked for.
      const enc = url.searchParams.get("enc") ?? "deflate";
      const plain = Buffer.from(`seen: ${String(req.headers.authorization ?? "")} accept-encoding=${String(req.headers["accept-encoding"] ?? "")}`);
      const encoders: Record<string, (b: Buffer) => Buffer> = {
        deflate: zlib.deflateSync,
        "deflate-raw": zlib.deflateRawSync,
        gzip: zlib.gzipSync,
        "x-gzip": zlib.gzipSync,
        br: zlib.brotliCompressSync,
        "gzip, deflate": (b) => zlib.deflateSync(zlib.gzipSync(b)),
      };
      const body = (encoders[enc] ?? ((b: Buffer) => b))(plain);
      res.writeHead(200, { "content-type": "text/plain", "content-encoding": enc });
      res.end(body);
      return;
    }
    if (url.pathname.startsWith("/rt-raw")) {
      // Red-team endpoint: echoes Authorization and the raw query, compressed by the listed layers
      // (applied in order) and labelled with every content-encoding value given (one header each).
      const plain = Buffer.from(`seen: ${String(req.headers.authorization ?? "")} query=${url.search}`);
      const layers: Record<string, (b: Buffer) => Buffer> = {
        gzip: zlib.gzipSync,
        br: zlib.brotliCompressSync,
        deflate: zlib.deflateSync,
        none: (b) => b,
      };
      let body: Buffer = plain;
      for (const layer of (url.searchParams.get("layers") ?? "").split(",").filter(Boolean)) body = (layers[layer] ?? ((b: Buffer) => b))(body);
      const headers: Array<[string, string]> = [["content-type", "text/plain"]];
      for (const ce of url.searchParams.getAll("ce")) headers.push(["content-encoding", ce]);
      res.writeHead(200, headers.flat());
      res.end(body);
      return;
    }
    if (url.pathname.startsWith("/rt-range")) {
      // Red-team endpoint: the echo of Authorization as a resource that honours Range (as static
      // servers, object stores and request-bin style services do).
      const full = Buffer.from(`seen: ${String(req.headers.authorization ?? "")}`);
      const range = /^bytes=(\d+)-(\d+)$/.exec(String(req.headers.range ?? ""));
      if (range) {
        const start = Number(range[1]);
        const end = Math.min(Number(range[2]), full.length - 1);
        res.writeHead(206, { "content-type": "text/plain", "content-range": `bytes ${start}-${end}/${full.length}` });
        res.end(full.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(full);
      return;
    }
    if (url.pathname.startsWith("/rt-drip")) {
      // Red-team endpoint: headers at once, then one chunk every `every` ms for `count` chunks.
      const every = Number(url.searchParams.get("every") ?? "200");
      const count = Number(url.searchParams.get("count") ?? "20");
      res.writeHead(200, { "content-type": "text/plain" });
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || sent >= count) {
          clearInterval(timer);
          if (!res.destroyed) res.end("END\n");
          return;
        }
        res.write(`chunk ${sent++}\n`);
      }, every);
      res.on("close", () => clearInterval(timer));
      return;
    }
    if (url.pathname.startsWith("/rt-wait")) {
      // Red-team endpoint: answers after `ms` milliseconds.
      const ms = Number(url.searchParams.get("ms") ?? "2000");
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("late answer");
      }, ms);
      return;
    }
    if (url.pathname === "/__red18set") {
      // Red team 18: stores a raw HTTP response (status line, headers, body) for /red18raw?id=.
      red18Templates.set(url.searchParams.get("id") ?? "", Buffer.from(body, "base64"));
      res.writeHead(204).end();
      return;
    }
    if (url.pathname.startsWith("/red18bbig")) {
      // Red team 18b: a small declared Content-Length beside a chunked body of `mb` MiB (chunked wins).
      const socket = req.socket;
      const mb = Number(url.searchParams.get("mb") ?? "1");
      const cl = url.searchParams.get("cl") ?? "10";
      socket.write(`HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${cl}\r\ntransfer-encoding: chunked\r\n\r\n`);
      const piece = Buffer.alloc(1024 * 1024, 0x61);
      const frame = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]);
      let left = mb;
      const pump = () => {
        while (left > 0 && !socket.destroyed) {
          left--;
          if (!socket.write(frame)) return void socket.once("drain", pump);
        }
        if (!socket.destroyed) socket.end("0\r\n\r\n");
      };
      pump();
      return;
    }
    if (url.pathname.startsWith("/red18raw")) {
      // Red team 18: writes the stored response as raw bytes, in pieces split at \x01 (a few ms
      // apart), then closes the socket (`after=close`, default) or holds it open (`after=hold`,
      // destroyed after 20 s at most).
      const raw =
        red18Templates.get(url.searchParams.get("id") ?? "") ??
        Buffer.from("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      const socket = req.socket;
      const pieces: Buffer[] = [];
      let from = 0;
      for (let i = 0; i < raw.length; i++) {
        if (raw[i] === 1) {
          pieces.push(raw.subarray(from, i));
          from = i + 1;
        }
      }
      pieces.push(raw.subarray(from));
      const after = url.searchParams.get("after") ?? "close";
      let at = 0;
      const step = () => {
        if (socket.destroyed) return;
        if (at < pieces.length) {
          socket.write(pieces[at++] as Buffer);
          setTimeout(step, 3);
          return;
        }
        if (after === "close") socket.end();
        else setTimeout(() => socket.destroy(), 20_000).unref();
      };
      step();
      return;
    }
    if (url.pathname.startsWith("/reflect")) {
      // Reflects the Authorization header in a header and in the body, like a debug endpoint;
      // `declared=1` sends a Content-Length, `drip=1` writes the body a few bytes at a time.
      const body = Buffer.from(`you sent: ${String(req.headers.authorization ?? "")} and ${url.search}`);
      const headers: Record<string, string> = { "content-type": "text/plain", "x-seen-auth": String(req.headers.authorization ?? "") };
      if (url.searchParams.get("declared") === "1") headers["content-length"] = String(body.length);
      res.writeHead(200, headers);
      if (url.searchParams.get("drip") !== "1") {
        res.end(body);
        return;
      }
      let at = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        if (at >= body.length) {
          clearInterval(timer);
          res.end();
          return;
        }
        res.write(body.subarray(at, at + 3));
        at += 3;
      }, 2);
      res.on("close", () => clearInterval(timer));
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "x-target": "yes" });
    res.end(JSON.stringify(received));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
