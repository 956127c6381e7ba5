// The escalation engine's public surface: pure functions over plain data.
export * from './account.js';
export * from './policy.js';
export * from './decide.js';
export * from './explain.js';
export { DEFAULT_POLICY_INPUT, defaultPolicy } from './default-policy.js';
export { TEMPLATE_CATALOGUE, taskTitle, templateTitle, type TemplateCatalogue } from './templates.js';
export * from './action-kinds.js';
export * from './past-due.js';
export * from './sending-window.js';
export * from './policy-diff.js';
export * from './policy-impact.js';
