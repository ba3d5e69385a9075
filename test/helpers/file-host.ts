import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FileHost {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

/**
 * A local HTTP host serving a path → bytes map, standing in for a model host in download tests (no
 * test may reach the network). `unavailable()`, when it answers true, makes every request a 503, as a
 * mirror that is down for maintenance. The map is read per request, so a test may change it.
 */
export async function serveFiles(files: ReadonlyMap<string, Buffer>, unavailable: () => boolean = () => false): Promise<FileHost> {
  const server = http.createServer((req, res) => {
    if (unavailable()) return void res.writeHead(503).end('down');
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
