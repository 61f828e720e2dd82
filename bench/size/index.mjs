// @ts-check
/**
 * Bench module `size`: bundle sizes, min and min+gzip (gzip -9), deterministic (one build each).
 *
 *   iife  the script-tag bundle: dist/voxline.iife.min.js vs sip.js's lib/index.js bundled into an
 *         IIFE the same way, and the JsSIP bundle of bench/.cache minified with terser
 *   app   a tiny app that registers and places a call, tree-shaken by rollup + terser from the
 *         Voxline ESM build / sip.js UserAgent+Registerer+Inviter / sip.js Web.SimpleUser / JsSIP UA
 *         (bench/size/apps/)
 *   vite  issue #10's "Vite app": `import { Client } from 'voxline'; new Client({ servers: ['wss://x'] })`
 *         built by `vite build` against the npm package (exports, sideEffects), Voxline only
 */
import { librariesConfig, makeFigure, maxTarget } from '../lib/figure.mjs';
import { measureSizes } from './build.mjs';
import { VITE_APP_SOURCE, measureViteApp } from './vite-app.mjs';

const KIB = 1024;
const kib = (/** @type {number} */ b) => `${(b / KIB).toFixed(1)} KiB`;
const LIBS = ['voxline', 'sipjs', 'simpleuser', 'jssip'];

/** @type {import('../modules.mjs').BenchModule} */
export const size = {
  id: 'size',
  title: 'Bundle size',
  parts: ['iife', 'app', 'vite'],
  async run(env, { only, progress }) {
    const want = (/** @type {string} */ p) => !only || only.has(p);
    progress('size: building the bundles (rollup + terser)…');
    const s = await measureSizes(env.root, env.benchDir);
    const figures = [];
    const notes = [];
    /** @type {Record<string, unknown>} */
    const raw = {};
    /** Samples of the libraries `m` has (SimpleUser has no IIFE of its own: it ships inside sip.js's). @param {Record<string, { min: number, gzip: number }>} m @param {'min' | 'gzip'} k */
    const pick = (m, k) => Object.fromEntries(LIBS.filter((l) => m[l]).map((l) => [l, [/** @type {{ min: number, gzip: number }} */ (m[l])[k]]]));
    const { iifeParts, sipFloor, sipUsed } = s.analysis;
    if (want('iife')) {
      const ref = `voxline: ${s.sources.voxline}; sip.js: ${s.sources.sipjs}; JsSIP: ${s.sources.jssip}`;
      figures.push(makeFigure({ deterministic: true, part: 'iife', title: 'IIFE (script tag), min', unit: 'B', reference: ref, samples: pick(s.iife, 'min') }));
      const gz = s.iife.voxline.gzip;
      const own = gz - sipFloor.gzip;
      const fix =
        `the IIFE bundles sip.js 0.21, and the sip.js code Voxline imports (${sipUsed.join(', ')}; same stub for sip.js's own transport) is ` +
        `${kib(sipFloor.gzip)} min+gzip by itself, leaving ${kib(own)} for Voxline's own code. ` +
        (sipFloor.gzip >= 50 * KIB
          ? 'No trimming of Voxline\'s own code can reach 50 KiB: it takes a smaller SIP core than sip.js 0.21 (its generated PEG grammar alone is ≈ 10 KiB min+gzip).'
          : `Reaching 50 KiB takes ${kib(gz - 50 * KIB)} off: more than Voxline's own share can give without also cutting into sip.js ` +
            '(a smaller SIP core, e.g. replacing its generated PEG grammar, ≈ 10 KiB min+gzip, by a hand-written parser; or loading sip.js as a separate, shared script).');
      figures.push(
        makeFigure({
          deterministic: true,
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
          deterministic: true,
          part: 'iife',
          title: 'sip.js code Voxline imports, alone, min+gzip',
          unit: 'B',
          reference: `sip.js bundled from an entry that uses exactly ${sipUsed.join(', ')}: the floor of any Voxline build on sip.js 0.21`,
          samples: { voxline: [sipFloor.gzip] },
          informative: true,
        }),
      );
      const total = Object.values(iifeParts).reduce((a, b) => a + b, 0);
      const share = (/** @type {string} */ k) => `${(((iifeParts[k] ?? 0) / total) * 100).toFixed(0)} %`;
      notes.push(
        "iife: what Voxline's IIFE is made of (rollup.config.mjs's IIFE build, share of the rendered code before minification): " +
          `sip.js ${share('sip.js')}, Voxline ${share('voxline')}.`,
      );
    }
    if (want('app')) {
      const ref = 'bench/size/apps/<lib>.js (register, then call) → rollup (node-resolve browser, commonjs) IIFE + terser';
      figures.push(makeFigure({ deterministic: true, part: 'app', title: 'minimal app (register + call), tree-shaken, min', unit: 'B', reference: ref, samples: pick(s.apps, 'min') }));
      figures.push(makeFigure({ deterministic: true, part: 'app', title: 'minimal app (register + call), tree-shaken, min+gzip', unit: 'B', reference: ref, samples: pick(s.apps, 'gzip') }));
      notes.push(
        'app: the Voxline app imports dist/voxline.mjs as an application would (sip.js is bundled into it, without sip.js\'s own WebSocket transport, as in the IIFE); ' +
          'the sip.js app keeps that transport, which it uses; the SimpleUser app is the same register + call written with `Web.SimpleUser` ' +
          '(it adds SimpleUser and its SessionManager to what the raw sip.js app bundles); SimpleUser has no IIFE figure ' +
          "of its own (it is part of sip.js's IIFE); the JsSIP app cannot be tree-shaken (CommonJS), so it is as large as the whole library.",
      );
    }
    if (want('vite')) {
      progress('size: building the Vite app…');
      const v = await measureViteApp(env.root);
      const ref = `a Vite ${v.vite} production build (default minifier) of \`${VITE_APP_SOURCE.trim().replace(/\n/g, ' ')}\`, with voxline resolved as an installed package`;
      figures.push(makeFigure({ deterministic: true, part: 'vite', title: 'Vite app (import Client, construct it), min', unit: 'B', reference: ref, samples: { voxline: [v.min] } }));
      figures.push(makeFigure({ deterministic: true, part: 'vite', title: 'Vite app (import Client, construct it), min+gzip', unit: 'B', reference: ref, samples: { voxline: [v.gzip] } }));
      raw.vite = v;
    }
    notes.push('Sizes are deterministic: one build each (no runs); KiB = 1024 bytes; gzip level 9, as scripts/check-size.mjs.');
    return {
      config: { sources: s.sources, libraries: librariesConfig(env, LIBS).map((l) => ({ ...l, config: '' })) },
      figures,
      notes,
      raw: { iife: s.iife, app: s.apps, 'iife/analysis': s.analysis, ...raw },
    };
  },
};
