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
