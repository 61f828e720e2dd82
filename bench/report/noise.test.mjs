// @ts-check
// `node --test bench/report/noise.test.mjs`: the report's noise rules (bench/report/noise.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interquartile, judgeChange, medianInterval, ratioInterval, snapshot } from './noise.mjs';

const range = (/** @type {number} */ n) => Array.from({ length: n }, (_, i) => i + 1);
const shuffled = (/** @type {number[]} */ xs) => [...xs].reverse();

test('95 % interval of the median: the textbook order statistics', () => {
  // n = 20: [x(6), x(15)], coverage 1 − 2·P(Bin(20, ½) ≤ 5) = 0.9586
  const i20 = medianInterval(shuffled(range(20)));
  assert.equal(i20?.lo, 6);
  assert.equal(i20?.hi, 15);
  assert.ok(Math.abs((i20?.coverage ?? 0) - 0.958611) < 1e-5);
  // n = 100 (the MESSAGE latency figure): [x(40), x(61)]
  const i100 = medianInterval(range(100));
  assert.deepEqual([i100?.lo, i100?.hi], [40, 61]);
  // n = 6 needs [min, max] (coverage 31/32); n = 5 cannot reach 95 % (15/16)
  assert.deepEqual([medianInterval(range(6))?.lo, medianInterval(range(6))?.hi], [1, 6]);
  assert.equal(medianInterval(range(5)), null);
  assert.equal(medianInterval([]), null);
});

test('"never" samples sort last and can make the upper bound never', () => {
  const i = medianInterval([1, 2, 3, null, null, null, null, null]);
  assert.equal(i?.lo, 1);
  assert.equal(i?.hi, Infinity);
});

test('interquartile range interpolates, and needs 4 finite quartiles', () => {
  assert.deepEqual(interquartile([4, 1, 3, 2, 5]), { q1: 2, q3: 4 });
  assert.equal(interquartile([1, 2, 3]), null);
  assert.equal(interquartile([1, 2, null, null]), null);
});

test('a change is within noise only when the previous median lies inside the new interval', () => {
  const interval = { lo: 10, hi: 14, coverage: 0.96 };
  assert.equal(judgeChange(12, 11, interval).verdict, 'within noise');
  assert.equal(judgeChange(10, 11, interval).verdict, 'within noise');
  const slower = judgeChange(9, 12, interval);
  assert.equal(slower.verdict, 'higher');
  assert.ok(Math.abs((slower.change ?? 0) - 1 / 3) < 1e-9);
  assert.equal(judgeChange(15, 12, interval).verdict, 'lower');
  assert.equal(judgeChange(15, 12, null).verdict, 'not judged');
  assert.equal(judgeChange(undefined, 12, interval).verdict, 'not judged');
  assert.equal(judgeChange(null, 12, interval).verdict, 'not judged');
});

test('deterministic figures: any difference is a real change', () => {
  assert.equal(judgeChange(100, 100, null, { deterministic: true }).verdict, 'unchanged');
  assert.equal(judgeChange(100, 101, null, { deterministic: true }).verdict, 'higher');
});

test('a ratio range divides low by high and high by low', () => {
  const r = ratioInterval({ lo: 8, hi: 12, coverage: 0.96 }, { lo: 10, hi: 20, coverage: 0.96 });
  assert.deepEqual([r?.lo, r?.hi], [0.4, 1.2]);
  assert.equal(ratioInterval(null, { lo: 1, hi: 2, coverage: 1 }), null);
  assert.equal(ratioInterval({ lo: 1, hi: 2, coverage: 1 }, { lo: 0, hi: 2, coverage: 1 }), null);
});

test('snapshot keeps each figure\'s medians and run counts per library', () => {
  const summary = (/** @type {number} */ median, /** @type {number} */ n) => ({ n, never: 0, capMs: null, median, p95: median, min: median, max: median });
  const fig = (/** @type {string} */ id, /** @type {string} */ part) => ({
    id, part, title: id, unit: 'ms', target: null, reference: '', informative: false, capMs: null,
    libraries: { voxline: { samples: [], summary: summary(5, 20) }, sipjs: { samples: [], summary: summary(7, 20) } },
  });
  const snap = snapshot({ ranAt: 'T', figures: [fig('a:x', 'a'), fig('b:y', 'b')] }, (f) => f.part === 'a');
  assert.deepEqual(snap, { 'a:x': { at: 'T', median: { voxline: 5, sipjs: 7 }, n: { voxline: 20, sipjs: 20 } } });
});
