// The console's one layout: a skip link, the main navigation, a main landmark with the page's
// title as its heading, and the sign-out form. Every page is rendered through it (router.ts).
import type { Action } from '../../src/domain/authorization.js';
import { html, type Html } from './html.js';

export type NavKey = 'overview' | 'accounts' | 'ladder' | 'connections' | 'people' | 'settings';

/** The navigation, in order (later pages — ladder, connections, people, settings — append here). */
export const NAV: readonly { key: NavKey; href: string; label: string; needs?: Action }[] = [
  { key: 'overview', href: '/console', label: 'Overview' },
  { key: 'accounts', href: '/console/accounts', label: 'Accounts' },
  { key: 'ladder', href: '/console/ladder', label: 'Ladder', needs: 'editPolicy' },
  { key: 'connections', href: '/console/connections', label: 'Connections', needs: 'changeSettings' },
  { key: 'people', href: '/console/people', label: 'People', needs: 'changeSettings' },
  { key: 'settings', href: '/console/settings', label: 'Settings', needs: 'changeSettings' },
];

export const CSS_PATH = '/console/assets/console.css';

export interface LayoutInput {
  title: string;
  body: Html;
  nav?: NavKey | undefined;
  /** Signed in: the person's name and the session's CSRF token (for the sign-out form); absent on sign-in and error pages. */
  viewer?: { name: string; orgName: string; csrf: string; navKeys: readonly NavKey[] } | undefined;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function layout(p: LayoutInput): Html {
  const v = p.viewer;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} — Overdue</title>
<link rel="stylesheet" href="${CSS_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to main content</a>
<header class="top">
<p class="brand">Overdue${v ? html` <span class="org">· ${v.orgName}</span>` : ''}</p>
${v
  ? html`<nav aria-label="Main">
<ul>${NAV.filter((n) => v.navKeys.includes(n.key)).map((n) => html`<li><a href="${n.href}"${n.key === p.nav ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
</nav>
<form class="sign-out" method="post" action="/console/sign-out">${csrfField(v.csrf)}<span>${v.name}</span> <button type="submit">Sign out</button></form>`
  : ''}
</header>
<main id="main" tabindex="-1">
<h1>${p.title}</h1>
${p.body}
</main>
</body>
</html>
`;
}
