// The console's templates: typed tagged templates that escape by default.
//
//   html`<td>${account.name}</td>`      text is escaped (& < > " ')
//   html`<ul>${rows.map(row)}</ul>`     arrays of Html are joined, unescaped (each was built by html``)
//   html`<td>${raw(svg)}</td>`          only raw() — called on markup we built — goes in as is
//
// Why not a template engine (Eta, Nunjucks): views here are TypeScript functions of typed view models,
// so `npm run typecheck` checks every field a page reads (a renamed field in account-view.ts fails the
// build instead of printing blank); escaping is the default for every interpolation, not a per-engine
// setting; there is no template loading, cache or eval at run time (nothing for the CSP to allow); and it
// adds no dependency. What an engine would add — includes, layouts, loops — is a function call here.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup that is safe to write: built by `html` or marked with `raw`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return (v as readonly Interpolation[]).map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Markup built by our own code (an SVG chart), written as is. Never call it on input. */
export function raw(markup: string): Html {
  return new Html(markup);
}
