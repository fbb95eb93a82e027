/**
 * Worker processes for the cross-process race tests: forked with tsx, each announcing itself
 * ready with one IPC message, each stopped by an `{ type: 'exit' }` message (SIGKILL after 5 s).
 */
import { fork, type ChildProcess } from 'node:child_process';

/** Forks `count` workers running `script` with `args`; resolves when every one said it is ready. */
export async function forkWorkers(script: string, args: string[], count: number, into: ChildProcess[] = []): Promise<ChildProcess[]> {
  await Promise.all(Array.from({ length: count }, () => new Promise<void>((resolve, reject) => {
    const child = fork(script, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    into.push(child);
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`worker exited with ${String(code)} before it was ready`)));
  })));
  return into;
}

/** Asks every worker to exit, killing those that have not after 5 s. */
export async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(kill); resolve(); });
    child.send({ type: 'exit' });
  })));
}
