// How much a new customer looks like a known bad account: weighted evidence,
// combined as independent signals (1 − Π(1 − wᵢ)). A tax number alone is
// enough; a phone, an email domain or a billing address each is strong but not
// enough alone; the name (rare tokens weigh most, generic words and common
// surnames little) can only add to other evidence — it never reaches the
// threshold alone (NAME_MAX < the policy's minimum threshold), so "Smith
// Trading" in another city is never flagged on its name. Pure.
import { LOOKALIKE_MIN_THRESHOLD } from '../engine/policy.js';
import { COMMON_NAMES, GENERIC_WORDS, phoneKey, type Features } from './normalise.js';

export type LookalikeField = 'taxNumber' | 'phone' | 'emailDomain' | 'address' | 'name';

export interface MatchedField {
  field: LookalikeField;
  /** The new customer's value (as the ledger has it), and the known account's. */
  new: string;
  known: string;
}

export interface LookalikeScore {
  /** 0..1. */
  score: number;
  matched: MatchedField[];
}

/** The weight of each kind of evidence (see docs/lookalike.md for how they were chosen on the pair set). */
export const WEIGHTS = {
  taxExact: 0.97,
  /** A masked tax number (QuickBooks shows its last characters) with the same visible tail. */
  taxTail: 0.75,
  phone: 0.6,
  emailDomain: 0.55,
  /** Same postcode and street number, and the street's words mostly the same. */
  address: 0.55,
  /** Same postcode and street number, street words differ (or missing). */
  addressWeak: 0.3,
  /** The name's contribution at similarity 1; scaled by the similarity. */
  nameMax: 0.5,
} as const;

/** Below this weighted similarity the names count for nothing. */
export const NAME_MIN_SIMILARITY = 0.4;

/** The policy's threshold may not go below this: above WEIGHTS.nameMax, so a name alone never alerts (and the index's candidates are complete). */
export const MIN_THRESHOLD = LOOKALIKE_MIN_THRESHOLD;

/** How much a name token says about identity (1: rare; generic words and common names little). */
export type TokenWeight = (token: string) => number;

export const staticTokenWeight: TokenWeight = (t) => {
  if (GENERIC_WORDS.has(t)) return 0.1;
  if (COMMON_NAMES.has(t)) return 0.3;
  if (/^\d+$/.test(t)) return 0.3;
  if (t.length <= 2) return 0.3;
  return 1;
};

/** Damerau-Levenshtein distance ≤ 1 (one typo: a letter wrong, missing, extra or two swapped). */
export function oneTypo(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  if (la === lb) {
    let i = 0;
    while (i < la && a[i] === b[i]) i++;
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // transposition
  }
  const [s, l] = la < lb ? [a, b] : [b, a];
  let i = 0;
  while (i < s.length && s[i] === l[i]) i++;
  return s.slice(i) === l.slice(i + 1);
}

/** Tokens equal, or (both 5 letters or more) one typo apart. */
const sameToken = (a: string, b: string): boolean => a === b || (a.length >= 5 && b.length >= 5 && !/\d/.test(a + b) && oneTypo(a, b));

/**
 * Weighted Jaccard of two token sets, a token of one matching one of the other (typos allowed): the weight of
 * what matched over the weight of the union. 0..1.
 */
export function nameSimilarity(a: readonly string[], b: readonly string[], weight: TokenWeight = staticTokenWeight): number {
  if (a.length === 0 || b.length === 0) return 0;
  const usedB = new Set<number>();
  let matched = 0;
  let onlyA = 0;
  for (const t of a) {
    const j = b.findIndex((u, k) => !usedB.has(k) && sameToken(t, u));
    const w = weight(t);
    if (j >= 0) {
      usedB.add(j);
      matched += Math.max(w, weight(b[j] ?? t));
    } else onlyA += w;
  }
  let onlyB = 0;
  b.forEach((u, k) => {
    if (!usedB.has(k)) onlyB += weight(u);
  });
  const union = matched + onlyA + onlyB;
  return union === 0 ? 0 : matched / union;
}

function streetOverlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const sb = new Set(b);
  const common = a.filter((t) => sb.has(t)).length;
  return common / Math.max(a.length, b.length);
}

/** A masked tax number against another: the characters both show (4 or more) agree. */
export const TAX_TAIL = 4;
const sameTail = (a: string, b: string): boolean => {
  const n = Math.min(a.length, b.length);
  return n >= TAX_TAIL && a.slice(-n) === b.slice(-n);
};

const first = (xs: readonly string[]): string => xs[0] ?? '';

/** Score a new customer against a known account. */
export function scorePair(n: Features, k: Features, weight: TokenWeight = staticTokenWeight): LookalikeScore {
  const evidence: number[] = [];
  const matched: MatchedField[] = [];

  if (n.tax && k.tax) {
    if (n.tax.full !== undefined && k.tax.full !== undefined ? n.tax.full === k.tax.full : sameTail(n.tax.visible, k.tax.visible)) {
      evidence.push(n.tax.full !== undefined && k.tax.full !== undefined ? WEIGHTS.taxExact : WEIGHTS.taxTail);
      matched.push({ field: 'taxNumber', new: n.shown.taxNumber ?? '', known: k.shown.taxNumber ?? '' });
    }
  }

  const phone = n.phones.findIndex((p) => k.phones.includes(p));
  if (phone >= 0) {
    evidence.push(WEIGHTS.phone);
    const key = n.phones[phone] ?? '';
    const shownOf = (f: Features) => f.shown.phones.find((p) => phoneKey(p) === key) ?? first(f.shown.phones);
    matched.push({ field: 'phone', new: shownOf(n), known: shownOf(k) });
  }

  const domain = n.domains.find((d) => k.domains.includes(d));
  if (domain !== undefined) {
    evidence.push(WEIGHTS.emailDomain);
    const shownOf = (f: Features) => f.shown.emails.find((e) => e.toLowerCase().endsWith(domain)) ?? domain;
    matched.push({ field: 'emailDomain', new: shownOf(n), known: shownOf(k) });
  }

  const na = n.address;
  const ka = k.address;
  if (na && ka && na.postcode !== undefined && na.postcode === ka.postcode && na.number !== undefined && na.number === ka.number
    && (na.country === undefined || ka.country === undefined || na.country === ka.country)) {
    evidence.push(streetOverlap(na.street, ka.street) >= 0.5 ? WEIGHTS.address : WEIGHTS.addressWeak);
    matched.push({ field: 'address', new: n.shown.address ?? '', known: k.shown.address ?? '' });
  }

  const similarity = nameSimilarity(n.nameTokens, k.nameTokens, weight);
  if (similarity >= NAME_MIN_SIMILARITY) {
    evidence.push(WEIGHTS.nameMax * similarity);
    matched.push({ field: 'name', new: n.shown.name, known: k.shown.name });
  }

  const score = 1 - evidence.reduce((p, w) => p * (1 - w), 1);
  return { score: Math.round(score * 1000) / 1000, matched };
}
