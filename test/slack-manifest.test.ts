// The Slack app manifest (slack/manifest.yml) says what the code does: its bot
// scopes are the ones the Web API methods the code calls need (and the ones the
// OAuth install asks for), its events and slash command are the listeners the app
// registers, and every URL is a route the app serves. `npm run cli -- slack
// manifest` prints it with PUBLIC_BASE_URL filled in.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BOT_SCOPES, SLACK_EVENTS_PATH, SLACK_REDIRECT_PATH } from '../slack/app.js';
import { ManifestError, manifestPath, MANIFEST_PLACEHOLDER, renderManifest } from '../slack/manifest.js';

const ROOT = join(__dirname, '..');
const TEMPLATE = readFileSync(manifestPath(), 'utf8');

/**
 * The scopes each Web API method needs (https://api.slack.com/methods/<method>, "Bot token scopes"). A method
 * the code starts calling must be added here, which makes this test check that the manifest has its scope.
 */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'conversations.open': ['im:write'],
  'users.lookupByEmail': ['users:read.email'],
  'users.info': ['users:read'],
  'views.open': [],
  'views.publish': [],
  'views.update': [],
};

/** Items of the YAML block list under `key:` (the manifest's own simple layout: `- item` lines, or `- command: x`). */
function listUnder(text: string, key: string, field?: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s*${key}:\\s*$`).test(l));
  if (at < 0) return [];
  const indent = (lines[at] ?? '').search(/\S/);
  const out: string[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (line.search(/\S/) <= indent && !line.trim().startsWith('-')) break;
    if (line.search(/\S/) < indent) break;
    const item = /^\s*-\s+(.*)$/.exec(line)?.[1];
    if (item === undefined) continue;
    if (field === undefined) out.push(item.trim());
    else {
      const m = new RegExp(`^${field}:\\s*(.*)$`).exec(item.trim());
      if (m?.[1]) out.push(m[1].trim());
    }
  }
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

const CODE = ['app', 'jobs', 'slack', 'connectors', 'src'].flatMap((d) => sources(join(ROOT, d))).map((p) => readFileSync(p, 'utf8'));

describe('slack/manifest.yml', () => {
  const scopes = listUnder(TEMPLATE, 'bot');

  it('asks for the bot scopes of every Web API method the code calls, and the install asks for the same', () => {
    const called = new Set<string>();
    for (const text of CODE) for (const m of text.matchAll(/(?:[cC]lient|\))\.(auth|chat|conversations|users|views|team|reactions|files|usergroups|apps|oauth)\.(\w+)\(/g)) called.add(`${m[1]}.${m[2]}`);
    expect([...called].sort()).toEqual(expect.arrayContaining(['chat.postMessage', 'conversations.open', 'users.info', 'users.lookupByEmail', 'views.publish']));
    for (const method of called) {
      expect({ method, known: method in METHOD_SCOPES }).toEqual({ method, known: true });
      for (const scope of METHOD_SCOPES[method] ?? []) expect({ method, scope, inManifest: scopes.includes(scope) }).toEqual({ method, scope, inManifest: true });
    }
    expect(scopes).toContain('commands'); // the slash command
    expect(scopes).toContain('users:read'); // Slack grants users:read.email only with users:read
    expect([...scopes].sort()).toEqual([...BOT_SCOPES].sort());
  });

  it('subscribes to exactly the events the app listens to, and names its one slash command', () => {
    const events = new Set<string>();
    const commands = new Set<string>();
    for (const text of CODE) {
      for (const m of text.matchAll(/app\.event\('([a-z_]+)'/g)) if (m[1]) events.add(m[1]);
      for (const m of text.matchAll(/app\.command\('([^']+)'/g)) if (m[1]) commands.add(m[1]);
    }
    expect([...listUnder(TEMPLATE, 'bot_events')].sort()).toEqual([...events].sort());
    expect(events).toEqual(new Set(['app_home_opened', 'app_uninstalled', 'tokens_revoked']));
    expect(listUnder(TEMPLATE, 'slash_commands', 'command')).toEqual([...commands]);
  });

  it('points every URL at a route the app serves, under PUBLIC_BASE_URL', () => {
    const urls = [...TEMPLATE.matchAll(/(?:url|request_url):\s*(\S+)/g)].map((m) => m[1]);
    const redirects = listUnder(TEMPLATE, 'redirect_urls');
    expect(urls).toHaveLength(3); // the slash command, events, interactivity
    for (const u of urls) expect(u).toBe(`${MANIFEST_PLACEHOLDER}${SLACK_EVENTS_PATH}`);
    expect(redirects).toEqual([`${MANIFEST_PLACEHOLDER}${SLACK_REDIRECT_PATH}`]);
    expect(TEMPLATE).toMatch(/home_tab_enabled: true/);
    expect(TEMPLATE).toMatch(/messages_tab_enabled: true/);
    expect(TEMPLATE).toMatch(/interactivity:\n\s+is_enabled: true/);
  });

  it('renders with the base URL (a trailing slash dropped); unset or not https is a clear error', () => {
    const out = renderManifest(TEMPLATE, 'https://overdue.example.com/');
    expect(out).not.toContain(MANIFEST_PLACEHOLDER);
    expect(out).toContain('request_url: https://overdue.example.com/slack/events');
    expect(out).toContain('- https://overdue.example.com/slack/oauth_redirect');
    expect(() => renderManifest(TEMPLATE, undefined)).toThrow(ManifestError);
    expect(() => renderManifest(TEMPLATE, '')).toThrow(/PUBLIC_BASE_URL is unset/);
    expect(() => renderManifest(TEMPLATE, 'http://overdue.example.com')).toThrow(/must be an https:\/\/ address/);
    expect(() => renderManifest(TEMPLATE, 'not a url')).toThrow(ManifestError);
  });

  it('npm run cli -- slack manifest prints it (exit 0), or says why not (exit 2, one line)', async () => {
    const run = (env: NodeJS.ProcessEnv) =>
      promisify(execFile)('npx', ['tsx', 'scripts/cli.ts', 'slack', 'manifest'], { env, cwd: ROOT }).then(
        (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
        (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code, stdout: String(e.stdout), stderr: String(e.stderr) }),
      );
    const { PUBLIC_BASE_URL: _unused, ...rest } = process.env;
    const ok = await run({ ...rest, PUBLIC_BASE_URL: 'https://collect.example.org' });
    expect(ok).toEqual({ code: 0, stdout: renderManifest(TEMPLATE, 'https://collect.example.org'), stderr: '' });
    const unset = await run(rest);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/^cli: PUBLIC_BASE_URL is unset: .*\n$/);
    expect(unset.stdout).toBe('');
  }, 120_000); // two child processes, each a tsx start-up
});
