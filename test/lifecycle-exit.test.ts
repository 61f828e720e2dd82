/**
 * Issue #10 item 3, at process level: a Node script that logs in against the real dev server and
 * then calls destroy() (or logout() then destroy()) must exit by itself, promptly. Before the fix
 * sip.js's 600 s registration timer and a 32 s transaction timer kept the process alive.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- the dev server is plain JS (JSDoc-typed)
import { startDevServer } from '../server/index.js';

const script = fileURLToPath(new URL('./node/client-exits.mjs', import.meta.url));
const hooks = fileURLToPath(new URL('./node/register-ts.mjs', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
/** The process must be gone this soon after the script's last line ran. */
const EXIT_WITHIN_MS = 3_000;

let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  server = await startDevServer({ users: { alice: 'alice-pw' }, logLevel: 'silent' });
});
afterAll(() => server.close());

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from the script's "done" line to the process exit; null if it never printed it. */
  exitAfterDoneMs: number | null;
}

function run(how: 'destroy' | 'logout', killAfterMs = 20_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', hooks, script, server.url, how], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let doneAt: number | null = null;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (doneAt === null && stdout.includes(`${how} done`)) doneAt = Date.now();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, exitAfterDoneMs: doneAt === null ? null : Date.now() - doneAt });
    });
  });
}

describe('a Node process using the SDK', () => {
  it.each(['destroy', 'logout'] as const)('exits by itself right after login + %s', async (how) => {
    const result = await run(how);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('registered=true');
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.exitAfterDoneMs).not.toBeNull();
    expect(result.exitAfterDoneMs!).toBeLessThan(EXIT_WITHIN_MS);
  }, 30_000);
});
