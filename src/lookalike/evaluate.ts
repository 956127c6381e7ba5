// Precision and recall of the look-alike score on a written pair set
// (test/fixtures/lookalike/pairs.json), at a threshold. Pure: the pairs are
// parsed here with zod, read by the caller.
import { z } from 'zod';
import { featuresOf, type LookalikeSubject } from './normalise.js';
import { scorePair } from './score.js';

const Address = z.union([z.string(), z.object({ line1: z.string().optional(), city: z.string().optional(), region: z.string().optional(), postalCode: z.string().optional(), country: z.string().optional() })]);
const Side = z.object({
  name: z.string().min(1),
  otherNames: z.array(z.string()).optional(),
  emails: z.array(z.string()).optional(),
  phones: z.array(z.string()).optional(),
  address: Address.optional(),
  taxNumber: z.string().optional(),
});
export const PairSetSchema = z.object({
  description: z.string().optional(),
  pairs: z.array(z.object({ id: z.string(), label: z.boolean(), kind: z.string(), new: Side, known: Side })).min(1),
});
export type PairSet = z.infer<typeof PairSetSchema>;

export interface PairResult {
  id: string;
  kind: string;
  label: boolean;
  score: number;
  flagged: boolean;
  matched: string[];
}

export interface Evaluation {
  threshold: number;
  pairs: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  trueNegatives: number;
  precision: number;
  recall: number;
  results: PairResult[];
}

const subject = (id: string, s: z.infer<typeof Side>): LookalikeSubject => ({
  id, name: s.name,
  ...(s.otherNames ? { otherNames: s.otherNames } : {}),
  ...(s.emails ? { emails: s.emails } : {}),
  ...(s.phones ? { phones: s.phones } : {}),
  ...(s.address !== undefined ? { address: typeof s.address === 'string' ? s.address : Object.fromEntries(Object.entries(s.address).filter(([, v]) => v !== undefined)) } : {}),
  ...(s.taxNumber ? { taxNumber: s.taxNumber } : {}),
});

/** The pair set's subjects: `<id>:new` and `<id>:known`. */
export function subjectsOf(set: PairSet): { id: string; label: boolean; kind: string; new: LookalikeSubject; known: LookalikeSubject }[] {
  return set.pairs.map((p) => ({ id: p.id, label: p.label, kind: p.kind, new: subject(`${p.id}:new`, p.new), known: subject(`${p.id}:known`, p.known) }));
}

/** Score every pair and count, at `threshold`. */
export function evaluatePairs(set: PairSet, threshold: number): Evaluation {
  const results = subjectsOf(set).map((p): PairResult => {
    const s = scorePair(featuresOf(p.new), featuresOf(p.known));
    return { id: p.id, kind: p.kind, label: p.label, score: s.score, flagged: s.score >= threshold, matched: s.matched.map((m) => m.field) };
  });
  const count = (label: boolean, flagged: boolean) => results.filter((r) => r.label === label && r.flagged === flagged).length;
  const tp = count(true, true);
  const fp = count(false, true);
  const fn = count(true, false);
  return {
    threshold, pairs: results.length, truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: count(false, false),
    precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn), results,
  };
}
