// `npm run bench -- lookalike`: the look-alike check (docs/lookalike.md).
// 1. Precision and recall of the score on the written pair set
//    (test/fixtures/lookalike/pairs.json) at the default policy threshold and
//    around it, with the pairs it gets wrong.
// 2. Speed: an index of 50,000 synthetic known bad accounts (plus the pair set's
//    known sides) is built, then each pair's new customer (and as many synthetic
//    look-ups again) is checked against it; p50/p95 ms per check and the build time.
//    `--known N` changes the size.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_LOOKALIKE_THRESHOLD } from '../src/engine/policy.js';
import { PairSetSchema, evaluatePairs, subjectsOf } from '../src/lookalike/evaluate.js';
import { LookalikeIndex } from '../src/lookalike/index.js';
import { featuresOf } from '../src/lookalike/normalise.js';
import { syntheticKnown } from '../test/helpers/lookalike-synthetic.js';
import { positiveIntsFromArgs } from './measure.js';

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? Number.NaN;
};

export async function run(): Promise<void> {
  const set = PairSetSchema.parse(JSON.parse(readFileSync(join(__dirname, '..', 'test', 'fixtures', 'lookalike', 'pairs.json'), 'utf8')));
  const threshold = DEFAULT_LOOKALIKE_THRESHOLD;
  const e = evaluatePairs(set, threshold);
  console.log(`pair set: ${e.pairs} pairs (${e.truePositives + e.falseNegatives} same business, ${e.falsePositives + e.trueNegatives} not)`);
  console.log(`threshold ${threshold}: precision ${e.precision.toFixed(3)}  recall ${e.recall.toFixed(3)}  (tp ${e.truePositives}, fp ${e.falsePositives}, fn ${e.falseNegatives}, tn ${e.trueNegatives})`);
  for (const t of [0.6, 0.65, 0.75, 0.8]) {
    const x = evaluatePairs(set, t);
    console.log(`  at ${t.toFixed(2)}: precision ${x.precision.toFixed(3)}  recall ${x.recall.toFixed(3)}`);
  }
  for (const r of e.results.filter((x) => x.label !== x.flagged)) console.log(`  wrong: ${r.id} (${r.kind}) score ${r.score} [${r.matched.join(', ')}]`);

  const known = positiveIntsFromArgs(process.argv.slice(2), 'known', '50000', '50000')[0] ?? 50_000;
  const pairs = subjectsOf(set);
  const subjects = [...syntheticKnown(known), ...pairs.map((p) => p.known)];
  const t0 = performance.now();
  const features = subjects.map(featuresOf);
  const index = new LookalikeIndex(features);
  const buildMs = performance.now() - t0;
  const queries = [...pairs.map((p) => featuresOf(p.new)), ...syntheticKnown(pairs.length, 7).map((s) => featuresOf({ ...s, id: `query-${s.id}` }))];
  for (const q of queries.slice(0, 20)) index.check(q, threshold); // warm up
  const ms: number[] = [];
  let candidates = 0;
  let found = 0;
  for (const q of queries) {
    const s = performance.now();
    const hits = index.check(q, threshold);
    ms.push(performance.now() - s);
    candidates += index.candidates(q).length;
    found += hits.length;
  }
  console.log(`index of ${index.size.toLocaleString('en')} known accounts built in ${buildMs.toFixed(0)} ms (features and postings)`);
  console.log(`check one new customer: p50 ${pct(ms, 0.5).toFixed(3)} ms  p95 ${pct(ms, 0.95).toFixed(3)} ms  max ${Math.max(...ms).toFixed(3)} ms over ${queries.length} checks (${(candidates / queries.length).toFixed(1)} candidates scored per check, ${found} hits)`);
  const bf: number[] = [];
  for (const q of queries.slice(0, 10)) {
    const s = performance.now();
    index.bruteForce(q, threshold);
    bf.push(performance.now() - s);
  }
  console.log(`for comparison, scoring every known account: p50 ${pct(bf, 0.5).toFixed(1)} ms per check`);
}
