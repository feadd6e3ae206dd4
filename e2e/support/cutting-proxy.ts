import { connect, createServer, type Socket } from 'node:net';

/** One request the browser sent through the proxy, with what the server answered on that connection after it. */
export interface ProxiedRequest {
  method: string;
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The ids of the Server-Sent Events in the answer (`id:` lines), in the order they arrived. */
  eventIds: string[];
}

export interface CuttingProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Drops every open connection at once, as a network failure would: no FIN to the browser, no answer end. */
  cut(): number;
  close(): Promise<void>;
}

const HEAD_END = '\r\n\r\n';

/**
 * A TCP proxy in front of `target` (plain HTTP/1.1) that reads what passes through: the request heads the browser
 * sends (so a test can see the `Last-Event-ID` an EventSource sends when it reconnects) and the event ids in the
 * answers. `cut()` destroys the sockets: for the browser, the connection is simply gone mid-stream.
 */
export async function startCuttingProxy(target: URL): Promise<CuttingProxy> {
  const requests: ProxiedRequest[] = [];
  const open = new Set<Socket>();

  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    open.add(client).add(upstream);
    let pending = '';
    let bodyLeft = 0;
    let current: ProxiedRequest | undefined;
    let answer = '';

    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending += chunk.toString('latin1');
      // Walk the request heads; bodies (of known length: the browser sends Content-Length) are skipped.
      for (;;) {
        if (bodyLeft > 0) {
          const skip = Math.min(bodyLeft, pending.length);
          pending = pending.slice(skip);
          bodyLeft -= skip;
          if (bodyLeft > 0) return;
        }
        const end = pending.indexOf(HEAD_END);
        if (end < 0) return;
        const [requestLine = '', ...lines] = pending.slice(0, end).split('\r\n');
        pending = pending.slice(end + HEAD_END.length);
        const [method = '', path = ''] = requestLine.split(' ');
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        current = { method, path, headers, eventIds: [] };
        answer = '';
        requests.push(current);
        bodyLeft = Number(headers['content-length'] ?? 0);
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (!current?.path.includes('/events')) return;
      // Only complete lines: an `id:` line may be split between two chunks.
      answer += chunk.toString('utf8');
      const lastBreak = answer.lastIndexOf('\n');
      for (const match of answer.slice(0, lastBreak + 1).matchAll(/^id: (.+)$/gm))
        current.eventIds.push(match[1]!);
      answer = answer.slice(lastBreak + 1);
    });
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('close', drop).on('error', drop);
    upstream.on('close', drop).on('error', drop);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    cut() {
      const count = open.size;
      for (const socket of open) socket.resetAndDestroy();
      open.clear();
      return count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
