// The look-alike matcher (src/lookalike): normalisation, scoring, the written pair set's precision and
// recall at the default threshold, and the index finding exactly what scoring every known account finds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LOOKALIKE_THRESHOLD, LOOKALIKE_MIN_THRESHOLD, PolicySchema, validatePolicy } from '../src/engine/policy.js';
import { DEFAULT_POLICY_INPUT as defaultInput } from '../src/engine/default-policy.js';
import { PairSetSchema, evaluatePairs } from '../src/lookalike/evaluate.js';
import { LookalikeIndex } from '../src/lookalike/index.js';
import { addressFeatures, emailDomain, featuresOf, nameTokens, phoneKey, splitAddress, taxFeatures } from '../src/lookalike/normalise.js';
import { WEIGHTS, nameSimilarity, oneTypo, scorePair } from '../src/lookalike/score.js';
import { subjectOf } from '../src/lookalike/subject.js';
import { seeded, syntheticKnown } from './helpers/lookalike-synthetic.js';

describe('normalisation', () => {
  it('drops legal suffixes, punctuation, accents and "the"; & is and', () => {
    expect(nameTokens('The Acme Co. Ltd')).toEqual(['acme']);
    expect(nameTokens('Acme Holdings Limited')).toEqual(['acme', 'holdings']);
    expect(nameTokens('Müller Präzisionstechnik GmbH')).toEqual(['muller', 'prazisionstechnik']);
    expect(nameTokens('Carrington & Sons')).toEqual(nameTokens('Carrington and Sons'));
    expect(nameTokens("Jim's Mowing P.L.C.")).toEqual(['jims', 'mowing']);
    expect(nameTokens('Nordic Design S.A.R.L.')).toEqual(['nordic', 'design']);
    // A name that is only a legal form keeps its words rather than vanish.
    expect(nameTokens('The Company Ltd')).toEqual(['company', 'ltd']);
  });

  it('phones: country code, trunk 0, punctuation and extensions fall away', () => {
    expect(phoneKey('+44 20 7946 0018')).toBe(phoneKey('020 7946 0018'));
    expect(phoneKey('+61 2 9876 5432')).toBe(phoneKey('(02) 9876 5432'));
    expect(phoneKey('0061 8 9555 0131')).toBe(phoneKey('(08) 9555 0131'));
    expect(phoneKey('1-603-555-0102')).toBe(phoneKey('603.555.0102'));
    expect(phoneKey('+1-218-555-0176 ext 12')).toBe(phoneKey('(218) 555-0176'));
    expect(phoneKey('+64 9 555 0123')).toBe(phoneKey('09 555 0123'));
    expect(phoneKey('(212) 555-0130')).not.toBe(phoneKey('(312) 555-0130'));
    expect(phoneKey('555-01')).toBeUndefined();
  });

  it('email domains: registrable part, public mail providers excluded', () => {
    expect(emailDomain('bookings@mail.tidewatercharters.com')).toBe('tidewatercharters.com');
    expect(emailDomain('a@acme.co.uk')).toBe('acme.co.uk');
    expect(emailDomain('x@sub.acme.com.au')).toBe('acme.com.au');
    for (const e of ['a@gmail.com', 'b@yahoo.co.uk', 'c@outlook.com', 'd@icloud.com', 'e@proton.me', 'f@gmx.de', 'g@hotmail.com', 'h@aol.com']) expect(emailDomain(e)).toBeUndefined();
    expect(emailDomain('not an address')).toBeUndefined();
  });

  it('addresses: street number, street words (abbreviations expanded), postcode, country', () => {
    expect(addressFeatures('1402 E 6th St, Austin, TX, 78702, USA')).toEqual(addressFeatures('1402 East 6th Street, Austin, TX, 78702, United States'));
    expect(addressFeatures('Unit 5, 22 Mill Lane, Manchester, M4 6BQ, UK')).toMatchObject({ number: '22', street: ['mill', 'lane'], postcode: 'M46BQ', country: 'gb' });
    expect(addressFeatures('4/12 Main St, Sydney, NSW 2000, Australia')).toMatchObject({ number: '12', postcode: '2000', country: 'au' });
    expect(addressFeatures('Suite 200, 1 Peachtree Center, Atlanta, GA, 30303, USA')).toMatchObject({ number: '1', postcode: '30303' });
    expect(splitAddress('7 Wattle Rd, Parramatta, NSW 2150, Australia')).toMatchObject({ line1: '7 Wattle Rd', postalCode: '2150', country: 'Australia' });
    expect(addressFeatures({ line1: '12 Main St', postalCode: '62704', country: 'US' })).toMatchObject({ number: '12', street: ['main', 'street'], postcode: '62704', country: 'us' });
  });

  it('tax numbers: compacted; a masked one keeps what shows', () => {
    expect(taxFeatures('51 824 753 556')).toEqual({ full: '51824753556', visible: '51824753556' });
    expect(taxFeatures('XXXXXX56789')).toEqual({ full: undefined, visible: '56789' });
    expect(taxFeatures('***-**-4321')).toEqual({ full: undefined, visible: '4321' });
    expect(taxFeatures('XXX')).toBeUndefined();
  });

  it('a stored customer: display and legal names, every email and phone of it and its contacts', () => {
    const s = subjectOf({
      _id: 'c1', displayName: 'Acme', legalName: 'Acme Holdings Ltd', email: 'ap@acme.com', phone: '555 0100 222', address: '1 Main St, Town, 12345, USA', taxNumber: '12-3456789',
      contacts: [{ id: 'x', name: 'Bo', email: 'bo@acme-group.com', phone: '555 0199 333', roles: ['billing'] }],
    });
    const f = featuresOf(s);
    expect(f.nameTokens).toEqual(['acme', 'holdings']);
    expect(f.domains).toEqual(['acme.com', 'acme-group.com']);
    expect(f.phones).toHaveLength(2);
    expect(f.tax?.full).toBe('123456789');
  });
});

describe('scoring', () => {
  const f = (name: string, extra: Partial<{ emails: string[]; phones: string[]; address: string; taxNumber: string }> = {}) => featuresOf({ id: name, name, ...extra });

  it('a tax number alone is enough; a masked one matches on what shows', () => {
    expect(scorePair(f('Riverstone', { taxNumber: '51 824 753 556' }), f('Westfield', { taxNumber: '51824753556' })).score).toBeGreaterThanOrEqual(DEFAULT_LOOKALIKE_THRESHOLD);
    expect(scorePair(f('Horizon', { taxNumber: 'XXXXX6789' }), f('Skyline', { taxNumber: '12-3456789' })).matched.map((m) => m.field)).toEqual(['taxNumber']);
    expect(scorePair(f('Horizon', { taxNumber: 'XXXXX6789' }), f('Skyline', { taxNumber: '12-3456780' })).score).toBe(0);
  });

  it('one phone, domain or address alone stays under the threshold; two of them pass it', () => {
    const phone = { phones: ['(415) 555-0142'] };
    const mail = { emails: ['a@northwind.com'] };
    expect(scorePair(f('Northwind', phone), f('Bayside', phone)).score).toBeLessThan(DEFAULT_LOOKALIKE_THRESHOLD);
    expect(scorePair(f('Northwind', mail), f('Bayside', mail)).score).toBeLessThan(DEFAULT_LOOKALIKE_THRESHOLD);
    const both = scorePair(f('Northwind', { ...phone, ...mail }), f('Bayside', { phones: ['415.555.0142'], emails: ['ar@northwind.com'] }));
    expect(both.score).toBeGreaterThanOrEqual(DEFAULT_LOOKALIKE_THRESHOLD);
    expect(both.matched).toEqual([
      { field: 'phone', new: '(415) 555-0142', known: '415.555.0142' },
      { field: 'emailDomain', new: 'a@northwind.com', known: 'ar@northwind.com' },
    ]);
  });

  it('a name alone never reaches the lowest allowed threshold, however rare', () => {
    expect(WEIGHTS.nameMax).toBeLessThan(LOOKALIKE_MIN_THRESHOLD);
    expect(scorePair(f('Zyxwvut Quarrying Ltd'), f('Zyxwvut Quarrying Limited')).score).toBeLessThan(LOOKALIKE_MIN_THRESHOLD);
  });

  it('generic words and common surnames weigh little; typos still match', () => {
    expect(nameSimilarity(nameTokens('Acme Ltd'), nameTokens('Acme Holdings Limited'))).toBeGreaterThan(0.9);
    expect(nameSimilarity(nameTokens('Smith Trading'), nameTokens('Jones Trading'))).toBeLessThan(0.4);
    expect(nameSimilarity(nameTokens('Brightwatre Pools'), nameTokens('Brightwater Pools'))).toBe(1);
    expect(oneTypo('kingfsiher', 'kingfisher')).toBe(true);
    expect(oneTypo('kingfisher', 'kingfishes')).toBe(true);
    expect(oneTypo('kingfisher', 'kingfish')).toBe(false);
  });

  it('the same street number and postcode is evidence, not enough alone', () => {
    const a = '350 Fifth Ave, New York, NY, 10118, USA';
    expect(scorePair(f('Apex Accounting', { address: a }), f('Bramble Marketing', { address: '350 Fifth Avenue, New York, NY, 10118, USA' })).score).toBe(WEIGHTS.address);
    expect(scorePair(f('Acme', { address: a }), f('Acme Holdings', { address: '350 Fifth Avenue, New York, NY, 10118, USA' })).score).toBeGreaterThanOrEqual(DEFAULT_LOOKALIKE_THRESHOLD);
  });
});

describe('the written pair set', () => {
  const set = PairSetSchema.parse(JSON.parse(readFileSync(join(__dirname, 'fixtures', 'lookalike', 'pairs.json'), 'utf8')));

  it('has at least 100 pairs, both kinds, near misses and common names among them', () => {
    expect(set.pairs.length).toBeGreaterThanOrEqual(100);
    expect(set.pairs.filter((p) => p.label).length).toBeGreaterThanOrEqual(40);
    expect(set.pairs.filter((p) => !p.label).length).toBeGreaterThanOrEqual(40);
    for (const kind of ['common name, different city', 'franchisee of the same brand', 'same building, different business']) expect(set.pairs.some((p) => p.kind === kind)).toBe(true);
    expect(new Set(set.pairs.map((p) => p.id)).size).toBe(set.pairs.length);
  });

  it('precision and recall are at least 0.9 at the default threshold', () => {
    const e = evaluatePairs(set, DEFAULT_LOOKALIKE_THRESHOLD);
    expect(e.precision).toBeGreaterThanOrEqual(0.9);
    expect(e.recall).toBeGreaterThanOrEqual(0.9);
  });
});

describe('the index', () => {
  it('finds exactly what scoring every known account finds', () => {
    const known = syntheticKnown(800, 11);
    // Plant look-alikes of some known accounts among the queries: a renamed copy with the same phone and domain,
    // one with the same address only, one with the same name only (must not alert).
    const r = seeded(5);
    const queries = [
      ...syntheticKnown(60, 99).map((s) => ({ ...s, id: `q-${s.id}` })),
      ...known.slice(0, 90).map((k, i) => {
        const v = Math.floor(r() * 3);
        if (v === 0) return { ...k, id: `q-renamed-${i}`, name: `Renamed ${i} Trading`, address: '1 Elsewhere Rd, Nowhere, 99999, USA' };
        if (v === 1) return { id: `q-address-${i}`, name: k.name, ...(k.address !== undefined ? { address: k.address } : {}) };
        return { id: `q-name-${i}`, name: k.name };
      }),
    ];
    const index = LookalikeIndex.fromSubjects(known);
    let hits = 0;
    for (const q of queries.map(featuresOf)) {
      const all = index.bruteForce(q, LOOKALIKE_MIN_THRESHOLD);
      expect(index.check(q, LOOKALIKE_MIN_THRESHOLD)).toEqual(all);
      expect(index.check(q, DEFAULT_LOOKALIKE_THRESHOLD)).toEqual(all.filter((h) => h.score >= DEFAULT_LOOKALIKE_THRESHOLD));
      hits += all.length;
      if (q.id.startsWith('q-name-')) expect(index.check(q, LOOKALIKE_MIN_THRESHOLD)).toEqual([]);
    }
    expect(hits).toBeGreaterThan(30);
  });
});

describe('the policy field', () => {
  it('defaults to the measured threshold and refuses one a name alone could reach', () => {
    expect(PolicySchema.parse(defaultInput).lookalike.threshold).toBe(DEFAULT_LOOKALIKE_THRESHOLD);
    const low = validatePolicy({ ...defaultInput, lookalike: { threshold: 0.4 } });
    expect(low.ok).toBe(false);
    if (!low.ok) expect(low.problems.join('\n')).toContain('lookalike.threshold');
    const ok = validatePolicy({ ...defaultInput, lookalike: { threshold: 0.8 } });
    expect(ok.ok && ok.policy.lookalike.threshold).toBe(0.8);
  });
});
