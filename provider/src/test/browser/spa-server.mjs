// The SPA's origin: a tiny static server on localhost. It serves the page, its script, oauth4webapi's ESM build
// straight from node_modules (no bundler) and the page's configuration.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const FILES = {
  '/': [here('./spa/index.html'), 'text/html; charset=utf-8'],
  '/app.js': [here('./spa/app.js'), 'text/javascript; charset=utf-8'],
  '/oauth4webapi.js': [here('./node_modules/oauth4webapi/build/index.js'), 'text/javascript; charset=utf-8'],
};

/** Listens on localhost:port (the origin registered for client wallet in the demo realm); resolves to its close(). */
export function startSpaServer(port, config) {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url, 'http://localhost').pathname;
    if (path === '/config.json') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(config));
      return;
    }
    const file = FILES[path];
    if (!file || request.method !== 'GET') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' });
    response.end(await readFile(file[0]));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(error.code === 'EADDRINUSE'
      ? new Error(`port ${port} is in use: the SPA must be served from http://localhost:${port} (its redirect URI in the demo realm)`)
      : error));
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(done))));
  });
}
