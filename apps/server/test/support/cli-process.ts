import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../bin/datasync.mjs', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/**
 * Runs `datasync <args>` in `cwd` with exactly `env` (plus PATH), capturing stdout and stderr together. `entry`: a
 * script other than bin/datasync.mjs (a compiled build's cli.js).
 */
export function runCli(
  args: string[],
  options: { cwd: string; env: Record<string, string>; entry?: string },
): CliProcess {
  const child = spawn(process.execPath, [options.entry ?? CLI, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { child, output: () => output, exited };
}

/** Waits for the server's "listening" log line and returns its URL. */
export async function waitForListening(cli: CliProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /"url":"(http:\/\/[^"]+)".*DataSync is listening/.exec(cli.output());
    if (match) return match[1]!;
    if (cli.child.exitCode !== null) throw new Error(`server exited early:\n${cli.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start within ${timeoutMs} ms:\n${cli.output()}`);
}
