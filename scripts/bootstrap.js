#!/usr/bin/env node
// Runs before `npm start`, `npm test` and friends, with nothing but Node: installs
// the dependencies when node_modules is missing or older than package.json, and
// with --build compiles the TypeScript into dist/. This is what lets the README's
// quick start work on a fresh clone.
const { spawnSync } = require('node:child_process');
const { existsSync, statSync } = require('node:fs');
const { join } = require('node:path');

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

if (!existsSync(stamp) || mtime(join(root, 'package.json')) > mtime(stamp)) {
  console.error('overdue: installing dependencies (npm install)…');
  // npm install, not npm ci: see README (the lockfile made here lacks other platforms' optional binaries).
  run('npm', ['install', '--no-audit', '--no-fund']);
}

if (process.argv.includes('--build')) {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
}
