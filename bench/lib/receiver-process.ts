import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../receiver.mjs', import.meta.url));

export interface ReceiverStats {
  requests: number;
  signed: number;
  bytes: number;
}

export interface Receiver {
  /** `http://127.0.0.1:<port>`: the one origin the SSRF guard is told to allow. */
  origin: string;
  stats(): Promise<ReceiverStats>;
}

export interface ReceiverProcess extends Receiver {
  pid: number;
  stop(): Promise<void>;
}

/** The receiver started by another process (the bench's parent), known by its origin. */
export function connectReceiver(origin: string): Receiver {
  return {
    origin,
    async stats() {
      const response = await fetch(`${origin}/__stats`);
      return (await response.json()) as ReceiverStats;
    },
  };
}

/** Starts bench/receiver.mjs in a child `node` process and waits for the port it listens on. */
export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`the receiver exited early (${code})`)));
  });
  return {
    ...connectReceiver(`http://127.0.0.1:${port}`),
    pid: child.pid!,
    async stop() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
