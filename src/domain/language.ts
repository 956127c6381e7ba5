// Languages as BCP 47 tags ('en', 'en-GB', 'fr-CA'), checked and canonicalised by
// Intl (so 'en-gb' is stored as 'en-GB').

/** The canonical form of a BCP 47 language tag, or null when it is not one. */
export function canonicalLanguage(tag: string): string | null {
  try {
    const [canonical, ...more] = Intl.getCanonicalLocales(tag.trim());
    return canonical !== undefined && more.length === 0 ? canonical : null;
  } catch {
    return null;
  }
}
