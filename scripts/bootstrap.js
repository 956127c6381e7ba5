#!/usr/bin/env node
// Runs before the npm scripts, with nothing but Node. Two modes:
//
// - plain (before `npm test`, `npm run demo`, `npm run build`): installs the
//   dependencies when node_modules is missing or older than package.json. This is
//   what lets the README's commands work on a fresh clone. With --clean it also
//   empties dist/, so a build never leaves a moved file's old output behind.
// - --built (before `npm start`, `npm run web`/`worker`/`cli`/`audit:verify`): the
//   production path, which runs compiled JavaScript from dist/ and needs neither
//   tsc nor tsx (both devDependencies; `npm ci --omit=dev` leaves them out). It
//   installs and compiles nothing: it only checks that the file the script is
//   about to run exists, else says to run `npm run build` first.
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync, readdirSync, rmSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'node_modules', '.package-lock.json');

function mtime(p) {
  return existsSync(p) ? statSync(p).mtimeMs : 0;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`overdue: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`overdue: Node.js >= 20.19 is needed (this is ${process.versions.node})`);
  process.exit(1);
}

/**
 * The .js file that the npm script named by this pre-script's event runs
 * ("prestart" → scripts.start → `node dist/…/main.js all` → dist/…/main.js).
 */
function compiledEntry() {
  const event = process.env.npm_lifecycle_event ?? '';
  const name = event.startsWith('pre') ? event.slice(3) : '';
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts ?? {};
  const m = /(?:^|\s)node\s+(?:--\S+\s+)*(\S+\.js)\b/.exec(scripts[name] ?? '');
  return m ? join(root, m[1]) : null;
}

/** The newest modification time of the TypeScript sources under dir (0 if none). */
function newestSource(dir) {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) newest = Math.max(newest, mtime(p));
  }
  return newest;
}

if (process.argv.includes('--built')) {
  const entry = compiledEntry() ?? join(root, 'dist');
  if (!existsSync(entry)) {
    console.error(`overdue: ${relative(root, entry)} is missing: run \`npm run build\` first (it compiles the TypeScript into dist/).`);
    process.exit(1);
  }
  if (!existsSync(join(root, 'node_modules'))) {
    console.error('overdue: node_modules is missing: run `npm ci --omit=dev` (production) or `npm install` first.');
    process.exit(1);
  }
  // In a checkout, say when dist/ is older than the sources it was built from (a
  // production copy holds dist/ alone, and this finds no sources there).
  const sources = Math.max(...['src', 'app', 'connectors', 'jobs', 'slack', 'scripts'].map((d) => newestSource(join(root, d))));
  if (sources > mtime(entry)) console.error('overdue: warning: dist/ is older than the TypeScript sources: run `npm run build` to run the current code.');
  process.exit(0);
}

if (!existsSync(stamp) || mtime(join(root, 'package.json')) > mtime(stamp)) {
  console.error('overdue: installing dependencies (npm install)…');
  // npm install, not npm ci: see README (the lockfile made here lacks other platforms' optional binaries).
  run('npm', ['install', '--no-audit', '--no-fund']);
}

// Debian packages the tests drive as real servers and clients: Chromium (the
// console's browser tests) and Dovecot (the IMAP server inbound mail is read
// from). Installed with apt-get when missing and this runs as root on a Debian
// or Ubuntu machine; otherwise a one-line notice says what to install, and the
// tests that need them fail with the same message.
const systemPackages = [
  { binary: '/usr/bin/chromium', pkg: 'chromium', why: 'browser tests' },
  { binary: '/usr/sbin/dovecot', pkg: 'dovecot-imapd', why: 'the IMAP server the inbound-mail tests read from' },
];
// Only before `npm test` (and `npm run bootstrap`): the demo and builds need neither.
const event = process.env.npm_lifecycle_event ?? '';
if ((event === 'pretest' || event === 'bootstrap' || event === '') && !process.env.OVERDUE_NO_SYSTEM_PACKAGES) {
  const missing = systemPackages.filter((p) => !existsSync(p.binary));
  const canApt = missing.length > 0 && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (canApt) {
    const pkgs = missing.map((p) => p.pkg);
    console.error(`overdue: installing ${pkgs.join(', ')} with apt-get (${missing.map((p) => p.why).join('; ')})…`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
    if (!install()) {
      spawnSync('apt-get', ['update', '-q'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], env });
      if (!install()) console.error(`overdue: apt-get could not install ${pkgs.join(', ')}`);
    }
  }
  for (const p of systemPackages.filter((x) => !existsSync(x.binary))) {
    console.error(`overdue: notice: ${p.binary} is missing (${p.why}): install Debian's ${p.pkg} package.`);
  }
}

if (process.argv.includes('--clean')) rmSync(join(root, 'dist'), { recursive: true, force: true });
