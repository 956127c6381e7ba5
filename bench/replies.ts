// `npm run bench -- replies`: how well the reply suggestion rules (src/inbound/suggest.ts) pick the button
// on the written corpus (test/fixtures/replies/corpus.yaml): accuracy overall and per kind, the holdout
// examples apart, the confusion matrix, the examples it gets wrong, and the time per message.
import { performance } from 'node:perf_hooks';
import { KINDS, loadReplyCorpus, scoreCorpus, suggestFor } from '../test/helpers/reply-corpus.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export async function run(): Promise<void> {
  const corpus = loadReplyCorpus();
  const score = scoreCorpus(corpus);
  const holdout = scoreCorpus({ ...corpus, examples: corpus.examples.filter((e) => e.set === 'holdout') });
  console.log(`replies corpus: ${score.total} written examples`);
  console.log(`accuracy: ${score.right}/${score.total} = ${pct(score.accuracy)} (a promise counts only with its date right)`);
  console.log(`  holdout (written after tuning): ${holdout.right}/${holdout.total} = ${pct(holdout.accuracy)}`);
  for (const k of KINDS) console.log(`  ${k.padEnd(8)} ${score.perKind[k].right}/${score.perKind[k].total} = ${pct(score.perKind[k].accuracy)}`);
  console.log('confusion (rows: expected, columns: suggested)');
  console.log(`  ${''.padEnd(9)}${KINDS.map((k) => k.padStart(9)).join('')}`);
  for (const e of KINDS) console.log(`  ${e.padEnd(9)}${KINDS.map((s) => String(score.confusion[e][s]).padStart(9)).join('')}`);
  for (const w of score.wrong) console.log(`  wrong: ${w.id}: expected ${w.expected}, got ${w.got} (${w.why})`);
  // Time: every example, many rounds, after a warm-up.
  for (const e of corpus.examples) suggestFor(corpus, e);
  const rounds = 200;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const e of corpus.examples) suggestFor(corpus, e);
  const us = ((performance.now() - t0) * 1000) / (rounds * corpus.examples.length);
  console.log(`time: ${us.toFixed(1)} µs per message (mean of ${rounds} rounds × ${corpus.examples.length} messages)`);
}
