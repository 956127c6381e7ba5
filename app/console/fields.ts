// Form fields with their problems: a problem is shown next to its field (the field names it with
// aria-describedby and aria-invalid), as the account page's forms do.
import { html, type Html } from './html.js';

export type Problems = Record<string, string>;

/** The problem paragraph of a field (by its id), if any. */
export function fieldError(problems: Problems, id: string): Html | '' {
  return problems[id] ? html`<p class="bad" id="${id}-err">${problems[id]}</p>` : '';
}

/** The attributes that tie a field to its problem. */
export function describedBy(problems: Problems, id: string): Html | '' {
  return problems[id] ? html` aria-describedby="${id}-err" aria-invalid="true"` : '';
}

/** A labelled text-like input with its problem. */
export function input(o: { id: string; name: string; label: string; value: string; problems: Problems; type?: string; hint?: string; required?: boolean; maxlength?: number }): Html {
  const hint = o.hint ? html`<span class="muted" id="${o.id}-hint">${o.hint}</span>` : '';
  const described = o.problems[o.id] ? describedBy(o.problems, o.id) : o.hint ? html` aria-describedby="${o.id}-hint"` : '';
  return html`<div><label for="${o.id}">${o.label}</label>${hint}<input id="${o.id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value}"${o.required ? html` required` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${described}>${fieldError(o.problems, o.id)}</div>`;
}

/** A labelled textarea with its problem. */
export function textarea(o: { id: string; name: string; label: string; value: string; problems: Problems; hint?: string; rows?: number }): Html {
  const hint = o.hint ? html`<span class="muted" id="${o.id}-hint">${o.hint}</span>` : '';
  const described = o.problems[o.id] ? describedBy(o.problems, o.id) : o.hint ? html` aria-describedby="${o.id}-hint"` : '';
  return html`<div><label for="${o.id}">${o.label}</label>${hint}<textarea id="${o.id}" name="${o.name}" rows="${o.rows ?? 3}"${described}>${o.value}</textarea>${fieldError(o.problems, o.id)}</div>`;
}
