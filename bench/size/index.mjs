// @ts-check
/**
 * Bench module `size`: bundle sizes, min and min+gzip (gzip -9), deterministic (one build each).
 *
 *   iife  the script-tag bundle: dist/voxline.iife.min.js vs sip.js's lib/index.js bundled into an
 *         IIFE the same way, and the JsSIP bundle of bench/.cache minified with terser
 *   app   a tiny app that registers and places a call, tree-shaken by rollup + terser from the
 *         Voxline ESM build / sip.js UserAgent+Registerer+Inviter / JsSIP UA (bench/size/apps/)
 */
import { librariesConfig, makeFigure, maxTarget } from '../lib/figure.mjs';
import { measureSizes } from './build.mjs';

const KIB = 1024;
const kib = (/** @type {number} */ b) => `${(b / KIB).toFixed(1)} KiB`;
const LIBS = ['voxline', 'sipjs', 'jssip'];

/** @type {import('../modules.mjs').BenchModule} */
export const size = {
  id: 'size',
  title: 'Bundle size',
  parts: ['iife', 'app'],
  async run(env, { only, progress }) {
    const want = (/** @type {string} */ p) => !only || only.has(p);
    progress('size: building the bundles (rollup + terser)…');
    const s = await measureSizes(env.root, env.benchDir);
    const figures = [];
    const notes = [];
    /** @param {Record<string, { min: number, gzip: number }>} m @param {'min' | 'gzip'} k */
    const pick = (m, k) => Object.fromEntries(LIBS.map((l) => [l, [/** @type {{ min: number, gzip: number }} */ (m[l])[k]]]));
    const { voxFromEsm, sipFloor, sipUsed } = s.analysis;
    if (want('iife')) {
      const ref = `voxline: ${s.sources.voxline}; sip.js: ${s.sources.sipjs}; JsSIP: ${s.sources.jssip}`;
      figures.push(makeFigure({ part: 'iife', title: 'IIFE (script tag), min', unit: 'B', reference: ref, samples: pick(s.iife, 'min') }));
      const gz = s.iife.voxline.gzip;
      const own = gz - sipFloor.gzip;
      const fix =
        `the IIFE bundles sip.js 0.21, and the sip.js code Voxline imports (${sipUsed.join(', ')}; same stub for sip.js's own transport) is ` +
        `${kib(sipFloor.gzip)} min+gzip by itself, leaving ${kib(own)} for Voxline's own code and eventemitter3. ` +
        (sipFloor.gzip >= 50 * KIB
          ? 'No trimming of Voxline\'s own code can reach 50 KiB: it takes a smaller SIP core than sip.js 0.21 (its generated PEG grammar alone is ≈ 10 KiB min+gzip).'
          : `Reaching 50 KiB takes ${kib(gz - 50 * KIB)} off: more than Voxline's own share can give without also cutting into sip.js ` +
            '(a smaller SIP core, e.g. replacing its generated PEG grammar, ≈ 10 KiB min+gzip, by a hand-written parser; or loading sip.js as a separate, shared script).');
      figures.push(
        makeFigure({
          part: 'iife',
          title: 'IIFE (script tag), min+gzip',
          unit: 'B',
          reference: ref,
          samples: pick(s.iife, 'gzip'),
          target: maxTarget(50 * KIB, '≤ 50 KiB'),
          goal: { text: 'IIFE ≤ 50 KiB min+gzip', fix },
        }),
      );
      figures.push(
        makeFigure({
          part: 'iife',
          title: 'sip.js code Voxline imports, alone, min+gzip',
          unit: 'B',
          reference: `sip.js bundled from an entry that uses exactly ${sipUsed.join(', ')}: the floor of any Voxline build on sip.js 0.21`,
          samples: { voxline: [sipFloor.gzip] },
          informative: true,
        }),
      );
      const r = voxFromEsm.rendered;
      const total = Object.values(r).reduce((a, b) => a + b, 0);
      const share = (/** @type {string} */ k) => `${(((r[k] ?? 0) / total) * 100).toFixed(0)} %`;
      notes.push(
        `iife: what Voxline's IIFE is made of (dist/voxline.mjs bundled like the IIFE, ${kib(voxFromEsm.gzip)} min+gzip vs ${kib(gz)} for the shipped file; ` +
          `share of the rendered code before minification): sip.js ${share('sip.js')}, Voxline ${share('voxline')}, eventemitter3 ${share('eventemitter3')}.`,
      );
    }
    if (want('app')) {
      const ref = 'bench/size/apps/<lib>.js (register, then call) → rollup (node-resolve browser, commonjs) IIFE + terser';
      figures.push(makeFigure({ part: 'app', title: 'minimal app (register + call), tree-shaken, min', unit: 'B', reference: ref, samples: pick(s.apps, 'min') }));
      figures.push(makeFigure({ part: 'app', title: 'minimal app (register + call), tree-shaken, min+gzip', unit: 'B', reference: ref, samples: pick(s.apps, 'gzip') }));
      notes.push(
        'app: the Voxline app imports dist/voxline.mjs as an application would, so it also gets sip.js\'s own WebSocket transport, which the shipped IIFE stubs out; ' +
          'the JsSIP app cannot be tree-shaken (CommonJS), so it is as large as the whole library.',
      );
    }
    notes.push('Sizes are deterministic: one build each (no runs); KiB = 1024 bytes; gzip level 9, as scripts/check-size.mjs.');
    return {
      config: { sources: s.sources, libraries: librariesConfig(env, LIBS).map((l) => ({ ...l, config: '' })) },
      figures,
      notes,
      raw: { iife: s.iife, app: s.apps, 'iife/analysis': s.analysis },
    };
  },
};
