import { Core } from 'sip.js';
import { describe, expect, it } from 'vitest';
import { Levels, LoggerFactory } from './sipjs-log';

type Line = [level: string, category: string, label: string | undefined, content: string];

/** The lines a connector receives from `factory` when sip.js's core logs as it does. */
function linesFrom(factory: Core.LoggerFactory | LoggerFactory, level: number): Line[] {
  const lines: Line[] = [];
  factory.builtinEnabled = false;
  factory.level = level;
  factory.connector = (...line: Line) => void lines.push(line);
  const core = factory.getLogger('sip.user-agent-core');
  const transaction = factory.getLogger('sip.transaction.ict', 'z9hG4bK.1');
  core.error('e');
  core.warn('w');
  core.log('l');
  core.debug('d');
  transaction.log('state change');
  transaction.warn('timer');
  return lines;
}

describe("sip.js's logging in Voxline's version (rollup.config.mjs stubs it in)", () => {
  it.each([
    ['debug', Core.Levels.debug],
    ['warn', Core.Levels.warn],
  ])('hands the connector the same lines as sip.js at level %s', (_name, level) => {
    const ours = linesFrom(new LoggerFactory(), level);
    expect(ours).toEqual(linesFrom(new Core.LoggerFactory(), level));
    expect(ours).toHaveLength(6);
  });

  it('keeps the transaction label at debug level only, as sip.js does', () => {
    expect(linesFrom(new LoggerFactory(), Levels.debug)[4]).toEqual(['log', 'sip.transaction.ict', 'z9hG4bK.1', 'state change']);
    expect(linesFrom(new LoggerFactory(), Levels.warn)[4]).toEqual(['log', 'sip.transaction.ict', undefined, 'state change']);
  });

  it('numbers the levels as sip.js does, both ways', () => {
    for (const name of ['error', 'warn', 'log', 'debug'] as const) {
      expect(Levels[name]).toBe(Core.Levels[name]);
      expect(Levels[Levels[name]]).toBe(name);
    }
  });
});
