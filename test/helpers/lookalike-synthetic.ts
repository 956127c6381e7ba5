// Synthetic known accounts for the look-alike bench and the index test: made-up
// business names (syllables plus a generic word and a legal form), phones,
// domains (some public), addresses and sometimes a tax number, from a seeded
// generator so every run sees the same accounts.
import type { LookalikeSubject } from '../../src/lookalike/normalise.js';

/** mulberry32: a small seeded generator. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ra', 'tu', 'ven', 'dor', 'sel', 'mar', 'qui', 'zen', 'bri', 'cor', 'fal', 'gra', 'hol', 'jas', 'kel', 'lum', 'nor', 'pel', 'ros', 'tam', 'vic', 'wil', 'yar'];
const GENERIC = ['Trading', 'Services', 'Group', 'Holdings', 'Solutions', 'Supplies', 'Logistics', 'Construction', 'Consulting', 'Foods', 'Design', 'Motors'];
const LEGAL = ['Ltd', 'LLC', 'Inc', 'Pty Ltd', 'Limited', 'GmbH', 'Co', ''];
const STREETS = ['Main St', 'High Street', 'Station Rd', 'Church Lane', 'Park Ave', 'Victoria Rd', 'King St', 'Mill Lane', 'Harbour Dr', 'Queen St'];
const PUBLIC = ['gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com'];
const COMMON = ['Smith', 'Jones', 'Brown', 'Lee', 'Taylor', 'City', 'Premier', 'Metro', 'Global', 'Elite'];

export function syntheticKnown(count: number, seed = 42): LookalikeSubject[] {
  const r = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const word = () => {
    const n = 2 + Math.floor(r() * 2);
    let w = '';
    for (let i = 0; i < n; i++) w += pick(SYLLABLES);
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const out: LookalikeSubject[] = [];
  for (let i = 0; i < count; i++) {
    const core = r() < 0.15 ? pick(COMMON) : word();
    const name = [core, r() < 0.5 ? word() : '', pick(GENERIC), pick(LEGAL)].filter(Boolean).join(' ');
    const domain = r() < 0.35 ? pick(PUBLIC) : `${core.toLowerCase()}${digits(3)}.com`;
    out.push({
      id: `known-${i}`,
      name,
      emails: [`accounts@${domain}`],
      phones: r() < 0.9 ? [`(${digits(3)}) ${digits(3)}-${digits(4)}`] : [],
      address: `${1 + Math.floor(r() * 999)} ${pick(STREETS)}, Town${Math.floor(r() * 300)}, ${digits(5)}, USA`,
      ...(r() < 0.3 ? { taxNumber: `${digits(2)}-${digits(7)}` } : {}),
    });
  }
  return out;
}
