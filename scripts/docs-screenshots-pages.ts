// The pages `npm run docs:screenshots` (scripts/docs-screenshots.ts) photographs: every link of the console's
// navigation (NAV, app/console/layout.ts), in its order — so a page appended there is photographed without
// touching the script — then one account's page.

export const VIEWPORT = { width: 1280, height: 800 } as const;

export interface ShotPage {
  /** The PNG's name, without `console-` and `.png`. */
  key: string;
  label: string;
  href: string;
}

/** What is photographed: every NAV link, in the navigation's order, then one account's page (its top, and its edit forms). */
export function screenshotPages(nav: readonly { key: string; href: string; label: string }[], account: { id: string; name: string } | null): ShotPage[] {
  const pages = nav.map((n) => ({ key: n.key, label: n.label, href: n.href }));
  if (!account) return pages;
  const href = `/console/accounts/${encodeURIComponent(account.id)}`;
  return [...pages, { key: 'account', label: `Account (${account.name})`, href }, { key: 'account-edit', label: `Account (${account.name}): contacts and overrides forms`, href: `${href}#contacts-edit-h` }];
}
