// A customer's time zone, the one rule: its contact's zone, else the zone a person
// set on the account (overrides.timeZone), else the ledger's, else the zone of its
// billing address (the country, then the region for countries that span several
// zones), else the organisation's. Sending hours are applied in it (the engine
// plans in it, the dispatcher checks the same window in it). Pure: a small table
// of IANA names, no I/O.

/** Countries in one zone (ISO 3166-1 alpha-2 → IANA). */
const SINGLE_ZONE: Readonly<Record<string, string>> = {
  NZ: 'Pacific/Auckland', GB: 'Europe/London', IE: 'Europe/Dublin', DE: 'Europe/Berlin', FR: 'Europe/Paris', ES: 'Europe/Madrid',
  IT: 'Europe/Rome', NL: 'Europe/Amsterdam', BE: 'Europe/Brussels', LU: 'Europe/Luxembourg', CH: 'Europe/Zurich', AT: 'Europe/Vienna',
  SE: 'Europe/Stockholm', NO: 'Europe/Oslo', DK: 'Europe/Copenhagen', FI: 'Europe/Helsinki', PL: 'Europe/Warsaw', PT: 'Europe/Lisbon',
  CZ: 'Europe/Prague', HU: 'Europe/Budapest', RO: 'Europe/Bucharest', GR: 'Europe/Athens', TR: 'Europe/Istanbul', UA: 'Europe/Kyiv',
  JP: 'Asia/Tokyo', KR: 'Asia/Seoul', CN: 'Asia/Shanghai', HK: 'Asia/Hong_Kong', TW: 'Asia/Taipei', SG: 'Asia/Singapore',
  MY: 'Asia/Kuala_Lumpur', TH: 'Asia/Bangkok', VN: 'Asia/Ho_Chi_Minh', PH: 'Asia/Manila', IN: 'Asia/Kolkata', PK: 'Asia/Karachi',
  AE: 'Asia/Dubai', SA: 'Asia/Riyadh', IL: 'Asia/Jerusalem', ZA: 'Africa/Johannesburg', NG: 'Africa/Lagos', KE: 'Africa/Nairobi',
  EG: 'Africa/Cairo', AR: 'America/Argentina/Buenos_Aires', CL: 'America/Santiago', CO: 'America/Bogota', PE: 'America/Lima',
  FJ: 'Pacific/Fiji', IS: 'Atlantic/Reykjavik',
};

/** Countries spanning several zones: the zone of the most people, and per region (code or name, lower case) its own. */
const MULTI_ZONE: Readonly<Record<string, { main: string; regions: Readonly<Record<string, string>> }>> = {
  US: {
    main: 'America/New_York',
    regions: regions({
      'America/New_York': 'CT connecticut DE delaware DC district_of_columbia FL florida GA georgia IN indiana KY kentucky ME maine MD maryland MA massachusetts MI michigan NH new_hampshire NJ new_jersey NY new_york NC north_carolina OH ohio PA pennsylvania RI rhode_island SC south_carolina VT vermont VA virginia WV west_virginia',
      'America/Chicago': 'AL alabama AR arkansas IL illinois IA iowa KS kansas LA louisiana MN minnesota MS mississippi MO missouri NE nebraska ND north_dakota OK oklahoma SD south_dakota TN tennessee TX texas WI wisconsin',
      'America/Denver': 'CO colorado MT montana NM new_mexico UT utah WY wyoming ID idaho',
      'America/Phoenix': 'AZ arizona',
      'America/Los_Angeles': 'CA california NV nevada OR oregon WA washington',
      'America/Anchorage': 'AK alaska',
      'Pacific/Honolulu': 'HI hawaii',
    }),
  },
  CA: {
    main: 'America/Toronto',
    regions: regions({
      'America/Vancouver': 'BC british_columbia',
      'America/Edmonton': 'AB alberta NT northwest_territories',
      'America/Regina': 'SK saskatchewan',
      'America/Winnipeg': 'MB manitoba',
      'America/Toronto': 'ON ontario QC quebec',
      'America/Halifax': 'NS nova_scotia NB new_brunswick PE prince_edward_island',
      'America/St_Johns': 'NL newfoundland_and_labrador newfoundland',
      'America/Whitehorse': 'YT yukon',
      'America/Iqaluit': 'NU nunavut',
    }),
  },
  AU: {
    main: 'Australia/Sydney',
    regions: regions({
      'Australia/Sydney': 'NSW new_south_wales ACT australian_capital_territory',
      'Australia/Melbourne': 'VIC victoria',
      'Australia/Brisbane': 'QLD queensland',
      'Australia/Adelaide': 'SA south_australia',
      'Australia/Perth': 'WA western_australia',
      'Australia/Hobart': 'TAS tasmania',
      'Australia/Darwin': 'NT northern_territory',
    }),
  },
  BR: {
    main: 'America/Sao_Paulo',
    regions: regions({
      'America/Manaus': 'AM amazonas',
      'America/Cuiaba': 'MT mato_grosso',
      'America/Campo_Grande': 'MS mato_grosso_do_sul',
      'America/Rio_Branco': 'AC acre',
      'America/Porto_Velho': 'RO rondonia',
      'America/Boa_Vista': 'RR roraima',
    }),
  },
  MX: {
    main: 'America/Mexico_City',
    regions: regions({
      'America/Tijuana': 'BC BCN baja_california',
      'America/Hermosillo': 'SON sonora',
      'America/Mazatlan': 'BCS baja_california_sur SIN sinaloa NAY nayarit',
      'America/Chihuahua': 'CHH chihuahua',
      'America/Cancun': 'ROO quintana_roo',
    }),
  },
  RU: {
    main: 'Europe/Moscow',
    regions: regions({ 'Europe/Kaliningrad': 'KGD kaliningrad', 'Asia/Yekaterinburg': 'SVE sverdlovsk', 'Asia/Novosibirsk': 'NVS novosibirsk', 'Asia/Vladivostok': 'PRI primorsky' }),
  },
  ID: { main: 'Asia/Jakarta', regions: regions({ 'Asia/Makassar': 'BA bali', 'Asia/Jayapura': 'PA papua' }) },
};

/** "CA california" → { ca: zone, california: zone } (an underscore stands for a space in a name). */
function regions(byZone: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [zone, words] of Object.entries(byZone)) for (const w of words.split(' ')) out[w.toLowerCase().replace(/_/g, ' ')] = zone;
  return out;
}

/** Common ways a ledger writes a country that are neither its code nor its English name. */
const ALIASES: Readonly<Record<string, string>> = {
  usa: 'US', 'united states of america': 'US', america: 'US', uk: 'GB', 'great britain': 'GB', england: 'GB', scotland: 'GB', wales: 'GB',
  'northern ireland': 'GB', nzl: 'NZ', aus: 'AU', can: 'CA', gbr: 'GB', deu: 'DE', fra: 'FR', bra: 'BR', mex: 'MX', rus: 'RU', irl: 'IE',
  'aotearoa': 'NZ', 'republic of ireland': 'IE', 'holland': 'NL', 'the netherlands': 'NL', 'south korea': 'KR', 'russian federation': 'RU',
};

function englishName(code: string): string {
  try {
    return (new Intl.DisplayNames(['en'], { type: 'region' }).of(code) ?? code).toLowerCase();
  } catch {
    return code.toLowerCase();
  }
}

const norm = (s: string): string => s.trim().toLowerCase().replace(/[._]/g, ' ').replace(/\s+/g, ' ');

const KNOWN: readonly string[] = [...Object.keys(SINGLE_ZONE), ...Object.keys(MULTI_ZONE)];
/** Lower-case code, English name and alias → code, built once from the tables (read-only). */
const BY_TEXT: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(KNOWN.map((c) => [englishName(c), c])),
  ...ALIASES,
  ...Object.fromEntries(KNOWN.map((c) => [c.toLowerCase(), c])),
});

/** A country as a ledger writes it ("NZ", "New Zealand", "USA") → its alpha-2 code among the table's; null when unknown. */
export function countryCode(text: string | undefined): string | null {
  if (text === undefined || text.trim() === '') return null;
  return BY_TEXT[norm(text)] ?? null;
}

/** The zone of a billing address: the country's, or for a multi-zone country its region's (else its main zone); null when the country is unknown. */
export function zoneOfAddress(country: string | undefined, region: string | undefined): string | null {
  const code = countryCode(country);
  if (code === null) return null;
  const single = SINGLE_ZONE[code];
  if (single) return single;
  const multi = MULTI_ZONE[code];
  if (!multi) return null;
  return (region !== undefined ? multi.regions[norm(region)] : undefined) ?? multi.main;
}

export type TimeZoneSource = 'contact' | 'override' | 'ledger' | 'address' | 'organisation';

export interface CustomerZoneInput {
  /** The account's contacts' zones, in the order the account lists its contacts (people's entries first). */
  readonly contactZones: readonly (string | undefined)[];
  /** The zone a person set on the account (overrides.timeZone). */
  readonly override?: string | undefined;
  /** The zone the ledger gives the customer, if any. */
  readonly ledger?: string | undefined;
  readonly country?: string | undefined;
  readonly region?: string | undefined;
  readonly orgTimeZone: string;
}

/** The customer's time zone and where it came from (contact, override, ledger, address, organisation). */
export function customerTimeZone(x: CustomerZoneInput): { timeZone: string; source: TimeZoneSource } {
  const contact = x.contactZones.find((z): z is string => z !== undefined && z !== '');
  if (contact) return { timeZone: contact, source: 'contact' };
  if (x.override) return { timeZone: x.override, source: 'override' };
  if (x.ledger) return { timeZone: x.ledger, source: 'ledger' };
  const address = zoneOfAddress(x.country, x.region);
  if (address) return { timeZone: address, source: 'address' };
  return { timeZone: x.orgTimeZone, source: 'organisation' };
}
