/**
 * The rules behind `npm run check:dist` and `npm run check:dist-types`, on small made-up inputs,
 * so each rule is seen to fail on what it forbids and to pass on what it allows (the scripts
 * themselves run on the real dist/ after the build).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs scripts without declarations
import { runtimeImportProblems, SIPJS_LEFT_OUT, sipjsLeftOutProblems, sourceMapProblems } from '../scripts/check-dist.mjs';
// @ts-expect-error plain .mjs scripts without declarations
import { emitterProblems, importProblems, internalNameProblems } from '../scripts/check-dist-types.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'voxline-dist-checks-'));
  dirs.push(d);
  return d;
}

describe('source map rule', () => {
  function writeMap(map: object): string {
    const root = tmp();
    fs.mkdirSync(path.join(root, 'dist'));
    fs.writeFileSync(path.join(root, 'dist', 'x.js.map'), JSON.stringify({ version: 3, file: 'x.js', mappings: '', names: [], ...map }));
    return root;
  }
  const shipped = new Set(['dist/x.js', 'dist/x.js.map']);

  it('passes when every source is embedded under a relative path inside the package', () => {
    const root = writeMap({ sources: ['../src/a.ts', '../node_modules/dep/b.js'], sourcesContent: ['a', 'b'] });
    expect(sourceMapProblems('dist/x.js.map', { root, shipped })).toEqual([]);
  });

  it('fails on a null or missing sourcesContent entry, naming the source', () => {
    const root = writeMap({ sources: ['../src/a.ts', '../src/b.ts'], sourcesContent: ['a', null] });
    const found: string[] = sourceMapProblems('dist/x.js.map', { root, shipped });
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('"../src/b.ts": sourcesContent is null and the file is not shipped');
    const noContent = writeMap({ sources: ['../src/a.ts'] });
    expect(sourceMapProblems('dist/x.js.map', { root: noContent, shipped }).join('\n')).toMatch(/no sourcesContent at all[\s\S]*missing and the file is not shipped/);
  });

  it('fails on absolute paths, paths outside the package and a sourceRoot', () => {
    const root = writeMap({ sources: ['/home/ci/src/a.ts', 'file:///b.ts', '../../elsewhere/c.ts'], sourcesContent: ['a', 'b', 'c'], sourceRoot: '/src' });
    const found: string[] = sourceMapProblems('dist/x.js.map', { root, shipped });
    expect(found).toHaveLength(4);
    expect(found.filter((p) => p.includes('absolute'))).toHaveLength(2);
    expect(found.filter((p) => p.includes('outside the package'))).toHaveLength(1);
    expect(found.filter((p) => p.includes('sourceRoot'))).toHaveLength(1);
  });

  it('fails when the embedded text of one of our sources differs from the file', () => {
    const root = writeMap({ sources: ['../src/a.ts'], sourcesContent: ['old text'] });
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'new text');
    expect(sourceMapProblems('dist/x.js.map', { root, shipped })).toEqual([expect.stringContaining('differs from src/a.ts')]);
  });
});

describe('runtime import rule', () => {
  it('accepts relative imports and dependencies, rejects any other package, in ESM and CJS', () => {
    const code = [
      "import { EventEmitter } from 'eventemitter3';",
      "import { UserAgent } from 'sip.js';",
      "export { x } from './x.js';",
      "import 'side-effect-pkg/setup';",
      "const ws = require('ws');",
      "const lazy = () => import('@scope/lazy');",
      "var ee = require('eventemitter3');",
      "const text = 'import nothing from here';",
    ].join('\n');
    expect(runtimeImportProblems(code, 'x.mjs', ['eventemitter3'])).toEqual([
      "x.mjs: imports 'sip.js', which is not a dependency of the package (sip.js is a devDependency: bundle it, see rollup.config.mjs)",
      "x.mjs: imports 'side-effect-pkg/setup', which is not a dependency of the package",
      "x.mjs: imports 'ws', which is not a dependency of the package",
      "x.mjs: imports '@scope/lazy', which is not a dependency of the package",
    ]);
    expect(runtimeImportProblems(code, 'x.mjs', ['eventemitter3', 'sip.js', 'side-effect-pkg', 'ws', '@scope/lazy'])).toEqual([]);
  });
});

describe('declaration rules', () => {
  /**
   * Compiles one declaration file next to a stand-in for eventemitter3's declarations (the package
   * is no longer installed: src/emitter.ts replaced it); returns the program and file.
   */
  function declarations(text: string): { program: ts.Program; sf: ts.SourceFile } {
    const dir = tmp();
    const ee3 = path.join(dir, 'node_modules', 'eventemitter3');
    fs.mkdirSync(ee3, { recursive: true });
    fs.writeFileSync(path.join(ee3, 'package.json'), '{ "name": "eventemitter3", "types": "index.d.ts" }');
    fs.writeFileSync(
      path.join(ee3, 'index.d.ts'),
      [
        'export declare class EventEmitter<EventTypes extends EventEmitter.ValidEventTypes = string | symbol> {',
        '  on(event: string, fn: (...args: unknown[]) => void): this;',
        '  emit(event: string, ...args: unknown[]): boolean;',
        '  removeAllListeners(event?: string): this;',
        '}',
        'export declare namespace EventEmitter { type ValidEventTypes = string | symbol | object; }',
        'export default EventEmitter;',
      ].join('\n'),
    );
    const file = path.join(dir, 'index.d.ts');
    fs.writeFileSync(file, text);
    const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [], lib: ['lib.es5.d.ts'] });
    const sf = program.getSourceFile(file);
    if (!sf) throw new Error('no source file');
    return { program, sf };
  }

  it('rejects imports of anything but a dependency, and calls out sip.js', () => {
    const { sf } = declarations(
      "import { EventEmitter } from 'eventemitter3';\nimport { URI } from 'sip.js';\nexport type T = import('left-pad').X;\nexport { E } from '@scope/pkg/sub';\nexport declare const e: EventEmitter | URI;\n",
    );
    const found: string[] = importProblems(sf, 'x.d.ts', ['eventemitter3']);
    expect(found).toHaveLength(3);
    expect(found[0]).toMatch(/^x\.d\.ts:2: imports from 'sip\.js': sip\.js is bundled/);
    expect(found[1]).toBe("x.d.ts:3: imports from 'left-pad', which is not a dependency of the package");
    expect(found[2]).toContain("'@scope/pkg/sub'");
    expect(importProblems(sf, 'x.d.ts', ['eventemitter3', 'sip.js', 'left-pad', '@scope/pkg'])).toEqual([]);
  });

  it('rejects an exported class built on eventemitter3 or with a public emit, and accepts a protected one', () => {
    const { program, sf } = declarations(
      [
        "import { EventEmitter } from 'eventemitter3';",
        'declare class Base<E extends EventEmitter.ValidEventTypes> extends EventEmitter<E> {}',
        'declare class Direct extends EventEmitter {}',
        'declare class ViaBase extends Base<{ a: [] }> {}',
        'declare class OwnEmit { emit(name: string): void; }',
        'declare class Sealed { on(name: string, fn: () => void): this; protected emit(name: string): boolean; }',
        'declare class Hidden { #emit; }',
        'export { Direct, ViaBase, OwnEmit, Sealed, Hidden };',
      ].join('\n'),
    );
    const found: string[] = emitterProblems(program, sf, 'x.d.ts');
    expect(found.filter((p) => p.includes('class Direct '))).toHaveLength(2);
    expect(found.filter((p) => p.includes('class ViaBase '))).toEqual([
      expect.stringContaining('public emit()'),
      expect.stringContaining("extends eventemitter3's EventEmitter (through Base)"),
    ]);
    expect(found.filter((p) => p.includes('class OwnEmit '))).toEqual([expect.stringContaining('public emit() (declared in index.d.ts)')]);
    expect(found.filter((p) => /class (Sealed|Hidden) /.test(p))).toEqual([]);
    expect(found).toHaveLength(5);
  });

  it('rejects declarations named like an internal class, renamed or not, and nothing else', () => {
    const { sf } = declarations(
      'declare class Logger$1 {}\ninterface CallSession {}\ntype SipUserAgent = {};\ndeclare const WebSocketTransport: 1;\ndeclare class Loggers {}\ninterface CallManagerEvents {}\nexport {};\n',
    );
    const found: string[] = internalNameProblems(sf, 'x.d.ts');
    expect(found).toEqual([
      'x.d.ts:1: declares internal class Logger$1 (it must not be reachable from the public types)',
      'x.d.ts:2: declares internal interface CallSession (it must not be reachable from the public types)',
      'x.d.ts:3: declares internal type SipUserAgent (it must not be reachable from the public types)',
      'x.d.ts:4: declares internal variable WebSocketTransport (it must not be reachable from the public types)',
    ]);
  });
});

describe("rule: parts of sip.js left out of the bundles", () => {
  it.each(Object.entries(SIPJS_LEFT_OUT) as [string, { module: string; markers: string[] }][])("finds sip.js's %s by every one of its markers in its own module", (part, { module, markers }) => {
    const source = fs.readFileSync(path.join(ROOT, 'node_modules/sip.js/lib', module), 'utf8');
    for (const marker of markers) expect(source, marker).toContain(marker);
    expect(sipjsLeftOutProblems(source, 'x.js')).toContainEqual(expect.stringContaining(`x.js: contains sip.js's ${part} (${markers.map((m) => `"${m}"`).join(', ')})`));
  });

  it("passes Voxline's own call layer, media and transport", () => {
    for (const file of ['src/sip/core.ts', 'src/sip/md5.ts', 'src/sip/user-agent.ts', 'src/sip/call-session.ts', 'src/sip/invite-client.ts', 'src/sip/invite-server.ts', 'src/sip/reinvite.ts', 'src/sip/registration.ts', 'src/sip/messaging.ts', 'src/media/audio-peer.ts', 'src/media/ice-gathering.ts', 'src/transport/websocket-transport.ts']) {
      expect(sipjsLeftOutProblems(fs.readFileSync(path.join(ROOT, file), 'utf8'), file), file).toEqual([]);
    }
  });
});
