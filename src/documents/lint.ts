// The document linter: checks a rendered text (an email's text or HTML, a
// letter's text, a Slack message) for what a reader must never see. Pure: text
// and the facts of the state it was rendered for in, problems out.
// test/document-lint.test.ts runs it over every template × level × locale × state.
import { TEMPLATE_CATALOGUE } from '../engine/templates.js';

/** The state a text was rendered for: what its conditional sentences must agree with. */
export interface LintFacts {
  /** The account's ladder goes on to an agency referral (false on the small-balance track). */
  agency: boolean;
  hold: 'none' | 'possible' | 'on-hold';
  /** Some invoice in the text has a pay link. */
  payLinks: boolean;
  /** The recipient's contact role, when the text is addressed to one. */
  recipientRole?: string | undefined;
}

export interface LintProblem {
  readonly rule: string;
  /** The offending text, with a little context. */
  readonly at: string;
}

const TEMPLATE_IDS = [...TEMPLATE_CATALOGUE.email, ...TEMPLATE_CATALOGUE.letter, ...TEMPLATE_CATALOGUE.slackNudge].filter((t) => t.includes('-'));

const RULES: readonly { rule: string; re: RegExp; when?: (f: LintFacts) => boolean }[] = [
  { rule: 'unresolved placeholder', re: /\{[a-zA-Z][a-zA-Z0-9]*\}|\$\{|\bundefined\b|\bNaN\b|\bnull\b|\[object Object\]/g },
  { rule: 'double punctuation', re: /(?<![.])\.\.(?![.])|,,|;;|[,;:]\s*[,;]|,\s*\./g },
  { rule: 'space before punctuation', re: /[^\S\n]+[,.;:](?=\s|$)/g },
  { rule: 'zero demand', re: /\b(?:total:?|balance(?: due| of)?|demand for(?: payment of)?(?: the)?(?: full)?(?: balance)?(?: of)?)\s+(?:[$€£¥]\s?)?0(?:[.,]0+)?(?![\d.,]*\d)(?:\s?[A-Z]{3})?/gi },
  { rule: 'no attempts counted', re: /\b(?:0|zero) (?:times|earlier attempts?)\b/gi },
  { rule: 'GUID or database id', re: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b[0-9a-f]{24}\b/gi },
  { rule: 'template id', re: new RegExp(`(?<![\\w/.-])(?:${TEMPLATE_IDS.map((t) => t.replace(/[-]/g, '\\-')).join('|')})(?![\\w.-])`, 'g') },
  { rule: 'agency wording without an agency referral ahead', re: /\bagency\b|\bfor collection\b/gi, when: (f) => !f.agency },
  { rule: 'hold named as possible while on hold', re: /\bmay be (?:placed on (?:credit )?hold|held|suspended)\b|\bmay be placed on hold\b|New orders may be held/gi, when: (f) => f.hold === 'on-hold' },
  { rule: 'hold wording without a hold on the ladder', re: /\bcredit hold\b|\bmay be held\b|\bcredit\b[^.]*\bsuspended\b/gi, when: (f) => f.hold === 'none' },
  { rule: 'pay-online sentence without a link', re: /\blinks? to pay online\b|\bcan be paid online\b/gi, when: (f) => !f.payLinks },
  { rule: 'tells the AP team their own team did not answer', re: /\byour accounts payable team\b/gi, when: (f) => f.recipientRole === 'billing' || f.recipientRole === 'ap' },
];

function around(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - 30), index + length + 30).replace(/\s+/g, ' ');
}

/** Every problem found in `text` rendered for the state `facts`. */
export function lintText(text: string, facts: LintFacts): LintProblem[] {
  const out: LintProblem[] = [];
  for (const r of RULES) {
    if (r.when && !r.when(facts)) continue;
    for (const m of text.matchAll(r.re)) out.push({ rule: r.rule, at: around(text, m.index, m[0].length) });
  }
  out.push(...howToPayProblems(text));
  return out;
}

/** A letter's "How to pay": something to pay with (a link, bank details, whom to contact), never only the reference to quote. */
function howToPayProblems(text: string): LintProblem[] {
  const i = text.indexOf('How to pay');
  if (i < 0) return [];
  const after = text.slice(i + 'How to pay'.length).trimStart();
  return /^Please quote/.test(after) || after === '' ? [{ rule: 'empty How to pay', at: around(text, i, 40) }] : [];
}

/** The text a reader sees of an HTML email: tags to line breaks, entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<(?:br|\/p|\/tr|\/td|\/th|\/caption)[^>]*>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
