// The one way sentences are put together from parts that may be empty: no
// "Northwind Supply Co.." (a name ending with a period, then the sentence's
// period) and no "Cole Lector , +1…" (a separator left behind by an empty part).

/** The parts that have text, trimmed, joined by `separator`. */
export function joinParts(parts: readonly (string | null | undefined | false)[], separator = ', '): string {
  let out = '';
  for (const p of parts) {
    if (typeof p !== 'string') continue;
    const t = p.trim();
    if (t === '') continue;
    out += (out === '' ? '' : separator) + t;
  }
  return out;
}

/** `text` ending with exactly one full stop: none added after a '.', '!', '?' or '…' it already ends with. */
export function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return '';
  return /[.!?…]$/.test(t) ? t : `${t}.`;
}

/** Sentences joined by a space, the empty ones left out. */
export function sentences(parts: readonly (string | null | undefined | false)[]): string {
  return joinParts(parts.map((p) => (typeof p === 'string' ? sentence(p) : p)), ' ');
}
