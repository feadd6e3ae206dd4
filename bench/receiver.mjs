// A bare webhook receiver for the benchmark, run as its own process so that it does not share an event loop with
// the sender. It reads each request body to the end and answers 200; it verifies nothing (the ceiling measures the
// transport). `GET /__stats` returns what it has received so far, so the bench can check every delivery arrived.
import { createServer } from 'node:http';

let requests = 0;
let signed = 0;
let bytes = 0;

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/__stats') {
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ requests, signed, bytes }));
    return;
  }
  request.on('data', (chunk) => (bytes += chunk.length));
  request.on('end', () => {
    requests += 1;
    if (request.headers['webhook-signature']) signed += 1;
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' }).end('{}');
  });
});
// Longer than undici's default keep-alive, so idle connections between runs are closed by the client, not here.
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
// The parent closes our stdin when it is done (or dies): leave then.
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.on('close', () => process.exit(0));
