// An in-memory inverted index of known bad accounts' features, so that checking
// a new customer scores only the accounts that share something with it: a tax
// number (or its visible tail), a phone, an email domain, a postcode + street
// number, or a rare name token. Any pair that can reach the threshold shares
// one of the first four (a name alone stays under MIN_THRESHOLD, score.ts), so
// the index finds exactly what comparing with every account would (tested in
// test/lookalike.test.ts). Pure: built from features, no I/O.
import { featuresOf, type Features, type LookalikeSubject } from './normalise.js';
import { MIN_THRESHOLD, TAX_TAIL, scorePair, staticTokenWeight, type LookalikeScore, type TokenWeight } from './score.js';

export interface LookalikeHit extends LookalikeScore {
  knownId: string;
}

/** A name token shared by more accounts than this (and at least 1 in 200 of them) counts as common; a check looks up only name tokens at most this many accounts share. */
const COMMON_DF = 20;
/** Postings of a name token are not extended past this: such a token is common anyway. */
const MAX_NAME_POSTINGS = 500;

export class LookalikeIndex {
  private readonly byId = new Map<string, Features>();
  private readonly postings = new Map<string, string[]>();
  private readonly tokenDf = new Map<string, number>();
  readonly weight: TokenWeight;

  constructor(known: readonly Features[]) {
    for (const f of known) {
      this.byId.set(f.id, f);
      for (const t of f.nameTokens) this.tokenDf.set(t, (this.tokenDf.get(t) ?? 0) + 1);
    }
    const commonAt = Math.max(COMMON_DF, Math.ceil(this.byId.size / 200));
    this.weight = (t) => {
      const w = staticTokenWeight(t);
      return (this.tokenDf.get(t) ?? 0) > commonAt ? Math.min(w, 0.3) : w;
    };
    for (const f of this.byId.values()) for (const key of this.keysOf(f, true)) this.add(key, f.id);
  }

  static fromSubjects(known: readonly LookalikeSubject[]): LookalikeIndex {
    return new LookalikeIndex(known.map(featuresOf));
  }

  get size(): number {
    return this.byId.size;
  }

  private add(key: string, id: string): void {
    const list = this.postings.get(key);
    if (!list) this.postings.set(key, [id]);
    else if (!key.startsWith('name:') || list.length < MAX_NAME_POSTINGS) list.push(id);
  }

  /** The keys a customer is filed (or looked up) under. */
  private keysOf(f: Features, filing: boolean): string[] {
    const keys: string[] = [];
    if (f.tax) {
      if (f.tax.full !== undefined) keys.push(`tax:${f.tax.full}`);
      keys.push(`taxtail:${f.tax.visible.slice(-TAX_TAIL)}`);
    }
    for (const p of f.phones) keys.push(`phone:${p}`);
    for (const d of f.domains) keys.push(`domain:${d}`);
    if (f.address?.postcode !== undefined && f.address.number !== undefined) keys.push(`addr:${f.address.postcode}|${f.address.number}`);
    // Looking up: only tokens few accounts share (a name never reaches the threshold alone, so these only add candidates).
    for (const t of f.nameTokens) if (staticTokenWeight(t) >= 1 && (filing || (this.tokenDf.get(t) ?? 0) <= COMMON_DF)) keys.push(`name:${t}`);
    return keys;
  }

  /** The known accounts sharing at least one key with `f`. */
  candidates(f: Features): Features[] {
    const ids = new Set<string>();
    for (const key of this.keysOf(f, false)) for (const id of this.postings.get(key) ?? []) ids.add(id);
    return [...ids].flatMap((id) => {
      const k = this.byId.get(id);
      return k ? [k] : [];
    });
  }

  /** The known accounts `f` scores at or above `threshold` against, best first (`skip`: ids never to report). */
  check(f: Features, threshold: number, skip: (knownId: string) => boolean = () => false): LookalikeHit[] {
    const t = Math.max(threshold, MIN_THRESHOLD);
    return this.candidates(f)
      .filter((k) => k.id !== f.id && !skip(k.id))
      .map((k) => ({ knownId: k.id, ...scorePair(f, k, this.weight) }))
      .filter((h) => h.score >= t)
      .sort((a, b) => b.score - a.score || a.knownId.localeCompare(b.knownId));
  }

  /** The same answer as check, by scoring every known account (for tests and the bench). */
  bruteForce(f: Features, threshold: number): LookalikeHit[] {
    const t = Math.max(threshold, MIN_THRESHOLD);
    return [...this.byId.values()]
      .filter((k) => k.id !== f.id)
      .map((k) => ({ knownId: k.id, ...scorePair(f, k, this.weight) }))
      .filter((h) => h.score >= t)
      .sort((a, b) => b.score - a.score || a.knownId.localeCompare(b.knownId));
  }
}
