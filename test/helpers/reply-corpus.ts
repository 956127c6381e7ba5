// The replies corpus (test/fixtures/replies/corpus.yaml) and its scoring, shared by
// test/reply-suggest.test.ts and `npm run bench -- replies`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { suggestReplyAction, type ReplySuggestion, type SuggestionKind } from '../../src/inbound/suggest.js';

export const KINDS: readonly SuggestionKind[] = ['promise', 'dispute', 'paid', 'none'];

const Kind = z.enum(['promise', 'dispute', 'paid', 'none']);
const Example = z.object({
  id: z.string().min(1),
  must: z.boolean().optional(),
  /** 'holdout': written after the rules were tuned on the rest, and scored as they came. */
  set: z.literal('holdout').optional(),
  timeZone: z.string().optional(),
  subject: z.string(),
  text: z.string(),
  attachments: z.array(z.object({ filename: z.string(), contentType: z.string() })).optional(),
  expect: z.object({ kind: Kind, date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), invoices: z.array(z.string()).optional() }),
});
const Corpus = z.object({ now: z.string(), timeZone: z.string(), openInvoiceNumbers: z.array(z.string()), examples: z.array(Example).min(1) });

export type CorpusExample = z.infer<typeof Example>;
export type ReplyCorpus = z.infer<typeof Corpus>;

export function loadReplyCorpus(path = join(__dirname, '..', 'fixtures', 'replies', 'corpus.yaml')): ReplyCorpus {
  const corpus = Corpus.parse(parse(readFileSync(path, 'utf8')));
  const ids = new Set<string>();
  for (const e of corpus.examples) {
    if (ids.has(e.id)) throw new Error(`corpus: example id ${e.id} twice`);
    ids.add(e.id);
  }
  return corpus;
}

export function suggestFor(corpus: ReplyCorpus, e: CorpusExample): ReplySuggestion {
  return suggestReplyAction(
    { subject: e.subject, text: e.text, attachments: e.attachments ?? [] },
    { now: new Date(corpus.now), timeZone: e.timeZone ?? corpus.timeZone, openInvoiceNumbers: corpus.openInvoiceNumbers },
  );
}

/** Right when the kind is, and the date too where the example gives one for a promise (the date the modal is prefilled with). */
export function isRight(e: CorpusExample, s: ReplySuggestion): boolean {
  if (s.kind !== e.expect.kind) return false;
  if (e.expect.kind === 'promise' && e.expect.date !== undefined && s.date !== e.expect.date) return false;
  return true;
}

export interface CorpusScore {
  total: number;
  right: number;
  accuracy: number;
  perKind: Record<SuggestionKind, { total: number; right: number; accuracy: number }>;
  /** confusion[expected][suggested] */
  confusion: Record<SuggestionKind, Record<SuggestionKind, number>>;
  wrong: { id: string; expected: string; got: string; why: string }[];
}

export function scoreCorpus(corpus: ReplyCorpus): CorpusScore {
  const zero = () => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<SuggestionKind, number>;
  const confusion = Object.fromEntries(KINDS.map((k) => [k, zero()])) as CorpusScore['confusion'];
  const perKind = Object.fromEntries(KINDS.map((k) => [k, { total: 0, right: 0, accuracy: 0 }])) as CorpusScore['perKind'];
  const wrong: CorpusScore['wrong'] = [];
  let right = 0;
  for (const e of corpus.examples) {
    const s = suggestFor(corpus, e);
    confusion[e.expect.kind][s.kind] += 1;
    perKind[e.expect.kind].total += 1;
    if (isRight(e, s)) {
      right += 1;
      perKind[e.expect.kind].right += 1;
    } else {
      wrong.push({ id: e.id, expected: `${e.expect.kind}${e.expect.date ? ` ${e.expect.date}` : ''}`, got: `${s.kind}${s.date ? ` ${s.date}` : ''}`, why: s.why });
    }
  }
  for (const k of KINDS) perKind[k].accuracy = perKind[k].total === 0 ? 1 : perKind[k].right / perKind[k].total;
  return { total: corpus.examples.length, right, accuracy: right / corpus.examples.length, perKind, confusion, wrong };
}
