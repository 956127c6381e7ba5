// `npm run docs:screenshots` photographs the pages of the console's navigation: its page list is derived
// from NAV (app/console/layout.ts), so a page appended there is photographed, plus one account's page.
import { NAV } from '../app/console/layout.js';
import { screenshotPages, VIEWPORT } from '../scripts/docs-screenshots-pages.js';

describe('docs:screenshots page list', () => {
  it('is every NAV link in its order, then one account (its top and its edit forms)', () => {
    const pages = screenshotPages(NAV, { id: 'quickbooks:1:fz0', name: 'Acme' });
    expect(pages.slice(0, NAV.length)).toEqual(NAV.map((n) => ({ key: n.key, label: n.label, href: n.href })));
    expect(pages.slice(NAV.length).map((p) => p.href)).toEqual(['/console/accounts/quickbooks%3A1%3Afz0', '/console/accounts/quickbooks%3A1%3Afz0#contacts-edit-h']);
    expect(new Set(pages.map((p) => p.key)).size).toBe(pages.length);
    expect(VIEWPORT).toEqual({ width: 1280, height: 800 });
  });

  it('follows NAV: a page appended there is photographed without changing the script', () => {
    const nav = [...NAV, { key: 'ladder', href: '/console/ladder', label: 'Ladder' }];
    expect(screenshotPages(nav, null).map((p) => p.href)).toEqual([...NAV.map((n) => n.href), '/console/ladder']);
  });
});
