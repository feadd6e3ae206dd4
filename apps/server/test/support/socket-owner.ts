import { readdir, readFile, readlink } from 'node:fs/promises';

// Which process sent a request. The receiver cannot tell workers apart from the request (same headers,
// same source address), and the workers log nothing per delivery; pg-boss 10 records no worker identity either.
// But each process has its own keep-alive connections: the kernel knows which process holds the client end of
// the connection a request came on. /proc/net/tcp maps the client port to a socket inode, /proc/<pid>/fd maps
// the inode to a process. Linux only (null elsewhere); look it up while the request is held open, so the
// connection certainly exists.

const hexPort = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

export async function connectionOwner(
  clientPort: number,
  serverPort: number,
  pids: number[],
): Promise<number | null> {
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => '');
  let inode: string | undefined;
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(`:${hexPort(clientPort)}`) && fields[2]?.endsWith(`:${hexPort(serverPort)}`)) {
      inode = fields[9];
      break;
    }
  }
  if (!inode || inode === '0') return null;
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')) === `socket:[${inode}]`) return pid;
    }
  }
  return null;
}
