// The roles a customer's contact can hold, with their labels: the one table.
// The policy's contact ladder, the connectors' mapping, the contacts import and
// modal, the letters and the Slack notices all read it.
export const CONTACT_ROLES = ['billing', 'ap', 'ap_manager', 'controller', 'cfo', 'owner', 'guarantor', 'buyer', 'other'] as const;
export type ContactRole = (typeof CONTACT_ROLES)[number];

/** `label`: inside a sentence ("no reachable AP manager contact"); `title`: on its own (a letter's attention line, a Slack menu). */
export const CONTACT_ROLE_LABELS: Readonly<Record<ContactRole, { label: string; title: string }>> = {
  billing: { label: 'billing', title: 'Billing' },
  ap: { label: 'AP', title: 'Accounts Payable' },
  ap_manager: { label: 'AP manager', title: 'AP Manager' },
  controller: { label: 'controller', title: 'Controller' },
  cfo: { label: 'CFO', title: 'CFO' },
  owner: { label: 'owner', title: 'Owner' },
  guarantor: { label: 'guarantor', title: 'Guarantor' },
  buyer: { label: 'buyer', title: 'Buyer' },
  other: { label: 'contact', title: 'Contact' },
};

export function isContactRole(role: string): role is ContactRole {
  return (CONTACT_ROLES as readonly string[]).includes(role);
}

/** "AP manager" for 'ap_manager'; a role not in the table as it is. */
export function roleLabel(role: string): string {
  return isContactRole(role) ? CONTACT_ROLE_LABELS[role].label : role;
}

/** "AP Manager" for 'ap_manager'; a role not in the table as it is. */
export function roleTitle(role: string): string {
  return isContactRole(role) ? CONTACT_ROLE_LABELS[role].title : role;
}

/**
 * Whom a person reaches first when a contact is needed outside the policy's ladder (the rep's "who to
 * call", the next address after a bounce): the one who buys, then accounts payable, billing, and up.
 */
export const REACH_ORDER: readonly ContactRole[] = ['buyer', 'ap', 'billing', 'ap_manager', 'controller', 'cfo', 'owner', 'guarantor', 'other'];

/** A contact's rank in REACH_ORDER by its best role (roles outside the order rank last). */
export function reachRank(roles: readonly string[]): number {
  const ranks = roles.map((r) => REACH_ORDER.indexOf(r as ContactRole)).filter((i) => i >= 0);
  return ranks.length === 0 ? REACH_ORDER.length : Math.min(...ranks);
}
