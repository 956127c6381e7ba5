// A real IMAP server on loopback for the inbound-mail tests: Debian's Dovecot
// (/usr/sbin/dovecot; `npm test`'s pretest, scripts/bootstrap.js, installs
// dovecot-imapd), started from a minimal dovecot.conf written into a temporary
// directory — listen 127.0.0.1 on a free port, plaintext login allowed (ssl=no),
// one user from a passwd-file, maildir under the temp dir, every run/state/log
// directory there too — with `dovecot -F -c <conf>`, stopped (and the directory
// removed) by stop(). As root, the login processes run as dovenull and mail as
// nobody (Dovecot refuses root for both); as another user, everything runs as
// that user.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const DOVECOT_BIN = process.env.DOVECOT_BIN ?? '/usr/sbin/dovecot';

export interface Dovecot {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the server greets on the port (or rejects after `timeoutMs`). */
async function greeting(port: number, timeoutMs: number, log: () => Promise<string>): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('data', (d) => {
        sock.destroy();
        resolve(d.toString().startsWith('* OK'));
      });
      sock.once('error', () => resolve(false));
      sock.setTimeout(1_000, () => {
        sock.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`Dovecot did not greet on 127.0.0.1:${port} within ${timeoutMs} ms; its log:\n${await log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDovecot(opts: { user?: string; password?: string } = {}): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BIN)) {
    throw new Error(`Dovecot is not installed (${DOVECOT_BIN} is missing): the inbound-mail tests run a real IMAP server. Install it with "apt-get install dovecot-imapd" (npm test's pretest, scripts/bootstrap.js, does so when run as root).`);
  }
  const user = opts.user ?? 'inbound@northwind.example';
  const password = opts.password ?? 'inbound-password';
  const dir = await mkdtemp(join(tmpdir(), 'overdue-dovecot-'));
  // The login processes (dovenull) must reach the sockets under base_dir.
  await chmod(dir, 0o755);
  for (const d of ['run', 'state', 'mail', 'home']) await mkdir(join(dir, d));
  await chmod(join(dir, 'mail'), 0o1777);
  await chmod(join(dir, 'home'), 0o1777);
  const port = await freePort();
  const me = userInfo();
  const root = me.uid === 0;
  const mailUid = root ? 65534 : me.uid;
  const mailGid = root ? 65534 : me.gid;
  const conf = [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `info_log_path = ${dir}/dovecot.log`,
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `default_login_user = ${root ? 'dovenull' : me.username}`,
    `default_internal_user = ${root ? 'dovecot' : me.username}`,
    `default_internal_group = ${root ? 'dovecot' : me.username}`,
    `mail_location = maildir:${dir}/mail/%u`,
    `mail_uid = ${mailUid}`,
    `mail_gid = ${mailGid}`,
    'first_valid_uid = 1',
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/users`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${mailUid} gid=${mailGid} home=${dir}/home/%u`,
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '  chroot =',
    '}',
    'service anvil {',
    '  chroot =',
    '}',
    ...(root ? ['service auth {', '  user = root', '}'] : []),
    '',
  ].join('\n');
  await writeFile(join(dir, 'dovecot.conf'), conf);
  await writeFile(join(dir, 'users'), `${user}:{PLAIN}${password}\n`);
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = async () => `${stderr}${await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '')}`;
  try {
    await greeting(port, 10_000, log);
  } catch (err) {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
