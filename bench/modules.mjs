// @ts-check
/**
 * The bench modules `npm run bench` knows, in run order. To add a figure, write
 * bench/<name>/index.mjs exporting a {@link BenchModule} and list it here; the runner,
 * results.json, RESULTS.md and the per-module SVG chart pick it up.
 */
import { call } from './call/index.mjs';
import { connection } from './connection/index.mjs';
import { memory } from './memory/index.mjs';
import { messaging } from './messaging/index.mjs';
import { recovery } from './recovery/index.mjs';
import { register } from './register/index.mjs';
import { size } from './size/index.mjs';

/**
 * A target of issue #7, listed in RESULTS.md's targets section with whether Voxline met it.
 * @typedef {object} Goal
 * @property {string} text e.g. "IIFE ≤ 50 KiB min+gzip"
 * @property {string} fix what would close the gap if Voxline misses it (measured, not guessed)
 */

/**
 * A figure's target: absolute (`maxMs`: the limit in the figure's unit, ms for the connection
 * module) or relative to a peer (`ratio`: Voxline's median and p95 ≤ `max` × the peer's).
 * @typedef {{ text: string, maxMs?: number, ratio?: { peer: string, max: number } }} Target
 */

/**
 * One figure: samples and summaries per library.
 * @typedef {object} Figure
 * @property {string} id unique within the module
 * @property {string} part the module part (--only module:part) that measured it
 * @property {string} title
 * @property {string} unit 'ms' (formatted as ms / s), 'B' (KiB), 'msg/s', '×', 'count'
 * @property {Target | null} target reported, never asserted
 * @property {Goal} [goal] an issue #7 target: listed in RESULTS.md's targets section
 * @property {string} reference what the measurement starts from
 * @property {boolean} informative shown in the secondary table
 * @property {number | null} capMs samples of null mean "not within capMs"
 * @property {boolean} [deterministic] one build, no runs (sizes): no noise, any change is real
 * @property {Record<string, { samples: (number | null)[], summary: import('./lib/stats.mjs').Summary, events?: Record<string, ReturnType<typeof import('./lib/stats.mjs').countSummary>> }>} libraries
 */

/**
 * @typedef {object} ModuleResult
 * @property {Record<string, unknown>} config
 * @property {Figure[]} figures
 * @property {string[]} notes a note about one part starts with `part:`
 * @property {Record<string, unknown>} raw every run, as measured; keys are parts, or `part/what`
 */

/**
 * @typedef {object} RunContext
 * @property {number} runs runs per figure (--runs)
 * @property {Set<string> | null} only parts of this module to run (--only module:part), null = all
 * @property {Record<string, string>} flags every other --key value on the command line
 * @property {(msg: string) => void} progress
 */

/**
 * @typedef {object} BenchModule
 * @property {string} id used by --only and as the key in results.json
 * @property {string} title
 * @property {readonly string[]} parts sub-figures selectable with --only id:part
 * @property {(env: import('./lib/env.mjs').BenchEnv, ctx: RunContext) => Promise<ModuleResult>} run
 */

/** @type {BenchModule[]} */
export const MODULES = [connection, size, register, call, messaging, memory, recovery];
