// A customer as comparable features, for the look-alike check (a new customer
// resembling an account that was referred to the agency, written off or made
// prepay-only): name tokens (accents folded, punctuation and legal suffixes
// removed, "&" ≡ "and"), billing address (street number + street words +
// postcode + country), phones (digits, the last 9), email domains (public mail
// domains left out) and the tax number. Pure.

/** What the matcher reads of a customer (the store's CustomerDoc maps to it in src/lookalike/subject.ts). */
export interface LookalikeSubject {
  id: string;
  name: string;
  /** Other names of the same customer (the ledger's legal / company name). */
  otherNames?: readonly string[];
  emails?: readonly string[];
  phones?: readonly string[];
  address?: AddressInput | string;
  taxNumber?: string;
}

export interface AddressInput {
  line1?: string | undefined;
  city?: string | undefined;
  region?: string | undefined;
  postalCode?: string | undefined;
  country?: string | undefined;
}

export interface AddressFeatures {
  /** The street number ("12", "12a"). */
  number: string | undefined;
  /** The street's words, abbreviations expanded ("st" → "street"), unit words dropped. */
  street: string[];
  /** Upper case, no spaces. */
  postcode: string | undefined;
  /** ISO 3166 alpha-2 when known, else the lowercased text. */
  country: string | undefined;
}

export interface TaxFeatures {
  /** The whole number (upper case, letters and digits only); undefined when the ledger masked it. */
  full: string | undefined;
  /** What shows of it: the whole number, or the visible end of a masked one (4 characters or more). */
  visible: string;
}

export interface Features {
  id: string;
  /** Distinct name tokens of all the customer's names. */
  nameTokens: string[];
  tax: TaxFeatures | undefined;
  /** Last 9 digits of each phone. */
  phones: string[];
  /** Registrable email domains, public mail domains excluded. */
  domains: string[];
  address: AddressFeatures | undefined;
  /** The raw values, for the evidence shown to people. */
  shown: { name: string; phones: string[]; emails: string[]; address: string | undefined; taxNumber: string | undefined };
}

/** Legal-form words, dropped from names ("Acme Ltd" = "Acme Limited" = "Acme"). */
export const LEGAL_SUFFIXES: ReadonlySet<string> = new Set([
  'inc', 'incorporated', 'llc', 'ltd', 'limited', 'co', 'corp', 'corporation', 'company', 'plc', 'pty', 'pvt', 'gmbh', 'mbh', 'kg', 'ug',
  'sa', 'sarl', 'sas', 'bv', 'nv', 'ag', 'oy', 'oyj', 'ab', 'as', 'asa', 'aps', 'srl', 'spa', 'sl', 'lp', 'llp', 'lllp', 'pllc', 'pc', 'pa',
  'kk', 'bhd', 'sdn', 'tbk', 'cic', 'ulc', 'lda', 'ltda', 'nz', 'proprietary', 'unlimited', 'cooperative', 'coop',
]);

/** Words that carry no identity. */
const STOP_WORDS: ReadonlySet<string> = new Set(['the', 'and', 'of', 'a', 'an']);

/**
 * Words many businesses share: a match on them says little ("Smith Trading" and "Smith Trading" in another
 * city are not one business). Weighted low in name similarity (score.ts), never indexed.
 */
export const GENERIC_WORDS: ReadonlySet<string> = new Set([
  'holdings', 'holding', 'group', 'groups', 'trading', 'traders', 'trade', 'services', 'service', 'solutions', 'solution', 'enterprises', 'enterprise',
  'international', 'intl', 'global', 'worldwide', 'industries', 'industry', 'industrial', 'systems', 'system', 'partners', 'partnership', 'associates',
  'consulting', 'consultants', 'consultancy', 'management', 'business', 'ventures', 'venture', 'supplies', 'supply', 'products', 'product',
  'logistics', 'distribution', 'distributors', 'construction', 'builders', 'building', 'contracting', 'contractors', 'engineering', 'technologies',
  'technology', 'tech', 'digital', 'media', 'design', 'designs', 'studio', 'studios', 'marketing', 'capital', 'investments', 'investment',
  'properties', 'property', 'realty', 'national', 'united', 'new', 'first', 'general', 'premier', 'pro', 'plus', 'north', 'south', 'east',
  'west', 'central', 'city', 'australia', 'america', 'american', 'usa', 'us', 'uk', 'british', 'europe', 'european', 'pacific', 'atlantic',
  'store', 'stores', 'shop', 'retail', 'wholesale', 'foods', 'food', 'restaurant', 'cafe', 'bar', 'kitchen', 'motors', 'auto', 'automotive',
  'electrical', 'electric', 'plumbing', 'cleaning', 'transport', 'freight', 'imports', 'exports', 'import', 'export', 'manufacturing',
  'health', 'medical', 'care', 'labs', 'lab', 'network', 'networks', 'software', 'data', 'energy', 'finance', 'financial', 'home', 'homes',
  'brothers', 'bros', 'sons', 'family', 'office', 'world', 'center', 'centre', 'agency', 'works', 'hub', 'one', 'co',
]);

/** Common surnames and given names: a name of them alone is shared by many businesses. */
export const COMMON_NAMES: ReadonlySet<string> = new Set([
  'smith', 'jones', 'williams', 'brown', 'taylor', 'johnson', 'lee', 'wilson', 'martin', 'miller', 'davis', 'anderson', 'thomas', 'white', 'harris',
  'clark', 'lewis', 'walker', 'hall', 'young', 'king', 'wright', 'green', 'baker', 'adams', 'nelson', 'hill', 'scott', 'moore', 'jackson',
  'thompson', 'roberts', 'evans', 'wood', 'garcia', 'martinez', 'rodriguez', 'lopez', 'gonzalez', 'nguyen', 'kim', 'park', 'chen', 'wang', 'li',
  'zhang', 'patel', 'singh', 'kumar', 'murphy', 'kelly', 'ryan', 'walsh', 'obrien', 'mueller', 'muller', 'schmidt', 'schneider', 'fischer',
  'john', 'david', 'michael', 'james', 'robert', 'mary', 'peter', 'paul', 'mark', 'sarah', 'anna', 'tom', 'bob', 'joe', 'mike', 'dave',
]);

/** Free mail providers: sharing one of them says nothing about a business. */
export const PUBLIC_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.com.au', 'yahoo.ca', 'yahoo.fr', 'yahoo.de', 'ymail.com', 'rocketmail.com',
  'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'live.com', 'live.co.uk', 'msn.com', 'icloud.com', 'me.com', 'mac.com',
  'aol.com', 'proton.me', 'protonmail.com', 'pm.me', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de', 'mail.com', 'zoho.com', 'zohomail.com',
  'yandex.com', 'yandex.ru', 'mail.ru', 'qq.com', '163.com', '126.com', 'bigpond.com', 'bigpond.net.au', 'optusnet.com.au', 'xtra.co.nz',
  'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'btinternet.com', 'sky.com', 'orange.fr', 'free.fr', 'laposte.net', 't-online.de',
  'fastmail.com', 'fastmail.fm', 'hey.com', 'tutanota.com', 'tuta.io', 'inbox.com', 'rediffmail.com',
]);

/** Second-level labels under which a business registers the third label (acme.co.uk, acme.com.au). */
const SECOND_LEVEL: ReadonlySet<string> = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ltd', 'plc', 'nom', 'or', 'ne', 'gen', 'biz']);

const STREET_WORDS: Readonly<Record<string, string>> = {
  st: 'street', str: 'street', rd: 'road', ave: 'avenue', av: 'avenue', dr: 'drive', ln: 'lane', blvd: 'boulevard', hwy: 'highway', ct: 'court',
  pl: 'place', sq: 'square', pde: 'parade', cres: 'crescent', cr: 'crescent', tce: 'terrace', pkwy: 'parkway', cir: 'circle', hts: 'heights',
  n: 'north', s: 'south', e: 'east', w: 'west', ne: 'northeast', nw: 'northwest', se: 'southeast', sw: 'southwest', mt: 'mount', ft: 'fort',
};
const UNIT_WORDS: ReadonlySet<string> = new Set(['unit', 'suite', 'ste', 'apt', 'apartment', 'floor', 'fl', 'level', 'lvl', 'building', 'bldg', 'shop', 'po', 'box', 'no', 'number']);

const COUNTRIES: Readonly<Record<string, string>> = {
  us: 'us', usa: 'us', 'united states': 'us', 'united states of america': 'us', america: 'us',
  uk: 'gb', gb: 'gb', 'united kingdom': 'gb', 'great britain': 'gb', england: 'gb', scotland: 'gb', wales: 'gb',
  au: 'au', aus: 'au', australia: 'au', nz: 'nz', 'new zealand': 'nz', ca: 'ca', can: 'ca', canada: 'ca',
  ie: 'ie', ireland: 'ie', de: 'de', germany: 'de', deutschland: 'de', fr: 'fr', france: 'fr', za: 'za', 'south africa': 'za',
  nl: 'nl', netherlands: 'nl', sg: 'sg', singapore: 'sg', in: 'in', india: 'in',
};

/** Lowercase, accents folded (é → e, ß → ss), apostrophes dropped (Jim's → jims), "&" → "and", other punctuation → space. */
export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[æ]/gi, 'ae')
    .replace(/[ø]/gi, 'o')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’`´]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Runs of single letters joined ("p l c" from "P.L.C." → "plc", "a b c" → "abc"). */
function joinInitials(tokens: string[]): string[] {
  const out: string[] = [];
  let run = '';
  for (const t of tokens) {
    if (t.length === 1 && /[a-z]/.test(t)) {
      run += t;
      continue;
    }
    if (run) out.push(run);
    run = '';
    out.push(t);
  }
  if (run) out.push(run);
  return out;
}

/** A name's identity tokens: folded, initials joined, legal suffixes and stop words dropped. */
export function nameTokens(name: string): string[] {
  const tokens = joinInitials(foldText(name).split(' ').filter(Boolean));
  const kept = tokens.filter((t) => !LEGAL_SUFFIXES.has(t) && !STOP_WORDS.has(t));
  // A name that is nothing but a legal form ("The Company Ltd") keeps its words rather than vanish.
  return kept.length > 0 ? kept : tokens.filter((t) => !STOP_WORDS.has(t));
}

/** Country calling codes, longest first: "+44 20 …" and "020 …" are one number once the code and the trunk 0 fall away. */
const CALLING_CODES = [
  '353', '354', '358', '351', '352', '356', '357', '371', '372', '370', '420', '421', '852', '886', '971', '972', '966',
  '44', '61', '64', '49', '33', '27', '31', '32', '34', '39', '41', '43', '45', '46', '47', '48', '52', '55', '60', '62', '63', '65', '66', '81', '82', '84', '86', '90', '91', '1', '7',
] as const;

/**
 * A phone number's national significant number, last 10 digits at most: extension dropped, the country code of an
 * international form ("+61 2 …", "0061 2 …") and a trunk 0 ("(02) …", "+44 (0)20 …") removed, a US "1-" prefix too.
 * Undefined under 7 digits.
 */
export function phoneKey(phone: string): string | undefined {
  const main = phone.split(/\s*(?:ext\.?|extension|x|#)\s*\d/i)[0] ?? '';
  let digits = main.replace(/\D/g, '');
  const international = /^\s*(\+|00)/.test(main);
  if (international) {
    if (digits.startsWith('00')) digits = digits.slice(2);
    const code = CALLING_CODES.find((c) => digits.startsWith(c));
    if (code !== undefined) digits = digits.slice(code.length);
  } else if (digits.length === 11 && digits.startsWith('1')) digits = digits.slice(1);
  digits = digits.replace(/^0/, '');
  if (digits.length < 7) return undefined;
  return digits.slice(-10);
}

/** The registrable domain of an email address, lowercased; undefined for a public mail provider or no domain. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return undefined;
  const host = email.slice(at + 1).trim().toLowerCase().replace(/\.$/, '').replace(/>$/, '');
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(host)) return undefined;
  const labels = host.split('.');
  const n = labels.length >= 3 && SECOND_LEVEL.has(labels[labels.length - 2] ?? '') && (labels[labels.length - 1] ?? '').length === 2 ? 3 : 2;
  const domain = labels.slice(-n).join('.');
  if (PUBLIC_MAIL_DOMAINS.has(domain) || PUBLIC_MAIL_DOMAINS.has(host)) return undefined;
  return domain;
}

/** A tax number as letters and digits (upper case); a masked one ("XXXXXX56789", "***-**-6789") keeps only what shows. */
export function taxFeatures(raw: string): TaxFeatures | undefined {
  const compact = raw.toUpperCase().replace(/[^A-Z0-9*]/g, '');
  const masked = /^[X*]{2,}/.test(compact) || compact.includes('*');
  const visible = compact.replace(/^[X*]+/, '').replace(/\*/g, '');
  if (visible.length < 4) return undefined;
  return { full: masked ? undefined : visible, visible };
}

function countryOf(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const f = foldText(s);
  return f ? (COUNTRIES[f] ?? f) : undefined;
}

function postcodeOf(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const p = s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return /\d/.test(p) && p.length >= 3 && p.length <= 10 ? p : undefined;
}

/** A first part that is only a unit ("Unit 5", "Suite 200", "Level 10"): the street follows in the next part. */
const isUnitOnly = (part: string): boolean => {
  const t = foldText(part).split(' ').filter(Boolean);
  return t.length > 0 && t.length <= 2 && UNIT_WORDS.has(t[0] ?? '');
};

/** "12 Main St" → number 12, street [main, street]; unit words and their numbers dropped ("Unit 4, 12 Main St" → 12). */
function streetOf(line1: string | undefined): { number: string | undefined; street: string[] } {
  if (!line1) return { number: undefined, street: [] };
  // "4/12 Main St" (unit 4 at number 12): the number after the slash.
  const tokens = foldText(line1.replace(/(\d+)\s*\/\s*(\d+)/, ' $2 ')).split(' ').filter(Boolean);
  let number: string | undefined;
  const street: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? '';
    if (UNIT_WORDS.has(t)) {
      if (/\d/.test(tokens[i + 1] ?? '')) i += 1; // "suite 200": not the street number
      continue;
    }
    if (/\d/.test(t)) {
      if (number === undefined && /^\d+[a-z]?$/.test(t)) number = t;
      continue;
    }
    street.push(STREET_WORDS[t] ?? t);
  }
  return { number, street };
}

/** A billing address's features, from the ledger's parts or from the one-line form "line1, city, region, postcode, country". */
export function addressFeatures(a: AddressInput | string | undefined): AddressFeatures | undefined {
  if (a === undefined) return undefined;
  const parts: AddressInput = typeof a === 'string' ? splitAddress(a) : a;
  const { number, street } = streetOf(parts.line1);
  const postcode = postcodeOf(parts.postalCode);
  const country = countryOf(parts.country);
  if (number === undefined && street.length === 0 && postcode === undefined) return undefined;
  return { number, street, postcode, country };
}

/** The one-line address both connectors store ("12 Main St, Springfield, IL, 62704, USA") back into parts. */
export function splitAddress(s: string): AddressInput {
  const all = s.split(',').map((p) => p.trim()).filter(Boolean);
  const parts = all.length > 1 && isUnitOnly(all[0] ?? '') ? [`${all[0] ?? ''} ${all[1] ?? ''}`, ...all.slice(2)] : all;
  const line1 = parts[0];
  const rest = parts.slice(1);
  const last = rest[rest.length - 1];
  const country = last !== undefined && !/\d/.test(last) && COUNTRIES[foldText(last)] !== undefined ? last : undefined;
  const withoutCountry = country !== undefined ? rest.slice(0, -1) : rest;
  // The postcode: the last part with a digit ("62704", "SW1A 1AA", "NSW 2000" → its digits).
  let postalCode: string | undefined;
  for (let i = withoutCountry.length - 1; i >= 0; i--) {
    const p = withoutCountry[i] ?? '';
    if (/\d/.test(p)) {
      postalCode = /^[A-Za-z]{2,3}\s+\d{4}$/.test(p) ? p.replace(/^[A-Za-z]+\s+/, '') : p;
      break;
    }
  }
  return { line1, city: withoutCountry[0], postalCode, country };
}

function addressText(a: AddressInput | string | undefined): string | undefined {
  if (a === undefined) return undefined;
  if (typeof a === 'string') return a || undefined;
  const s = [a.line1, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ');
  return s || undefined;
}

const uniq = <T>(xs: readonly (T | undefined)[]): T[] => [...new Set(xs.filter((x): x is T => x !== undefined))];

/** The comparable features of a customer. */
export function featuresOf(s: LookalikeSubject): Features {
  const names = [s.name, ...(s.otherNames ?? [])].filter((n) => n.trim() !== '');
  const emails = uniq((s.emails ?? []).map((e) => e.trim() || undefined));
  const phones = uniq((s.phones ?? []).map((p) => p.trim() || undefined));
  return {
    id: s.id,
    nameTokens: uniq(names.flatMap(nameTokens)),
    tax: s.taxNumber ? taxFeatures(s.taxNumber) : undefined,
    phones: uniq(phones.map(phoneKey)),
    domains: uniq(emails.map(emailDomain)),
    address: addressFeatures(s.address),
    shown: { name: s.name, phones, emails, address: addressText(s.address), taxNumber: s.taxNumber || undefined },
  };
}
