// The message templates the engine may name. A policy that names another one is
// rejected (the outbox would have nothing to render). Extend this catalogue
// together with the renderer.

export const TEMPLATE_CATALOGUE = {
  email: ['courtesy', 'reminder-1', 'reminder-2', 'urgent-account-matter', 'decision-makers', 'payment-plan-missed'],
  letter: ['written-warning', 'final-demand'],
  slackNudge: ['rep-call', 'collector-call', 'approval-request', 'credit-hold-approval'],
} as const satisfies Record<string, readonly string[]>;

export type TemplateKind = keyof typeof TEMPLATE_CATALOGUE;

export type TemplateCatalogue = { readonly [K in TemplateKind]: readonly string[] };

/** What people read for a template (the audit trail, Slack, the timeline): never the template's id. */
const TEMPLATE_TITLES: Readonly<Record<string, string>> = {
  courtesy: 'courtesy reminder',
  'reminder-1': 'first reminder',
  'reminder-2': 'second reminder',
  'urgent-account-matter': 'urgent account matter',
  'decision-makers': 'request to the decision makers',
  'payment-plan-missed': 'missed instalment notice',
  'written-warning': 'written warning',
  'final-demand': 'final demand',
  'rep-call': 'request to call the customer',
  'collector-call': 'request to call the customer',
  'approval-request': 'approval request',
  'credit-hold-approval': 'credit hold approval request',
};

/** "first reminder" for 'reminder-1'; a template the catalogue does not know reads as its words ("my-template" → "my template"). */
export function templateTitle(template: string): string {
  return TEMPLATE_TITLES[template] ?? template.replace(/[-_]+/g, ' ').trim();
}

/** Task kinds in plain words: 'find-contact' → "find a contact". */
const TASK_TITLES: Readonly<Record<string, string>> = {
  call: 'call',
  voicemail: 'voicemail',
  mail: 'letter by post',
  courier: 'letter by courier',
  fax: 'fax',
  'find-contact': 'find a contact',
};

export function taskTitle(task: string): string {
  return TASK_TITLES[task] ?? task.replace(/[-_]+/g, ' ').trim();
}
