// A local Slack Web API: an Express server on 127.0.0.1 that answers the methods
// Overdue calls, the way https://slack.com/api/<method> documents them — POST,
// form-encoded or JSON arguments (nested ones like `blocks` and `view` as JSON
// strings), a bot token in `Authorization: Bearer`, HTTP 200 with `{ ok, … }` or
// `{ ok: false, error }`, and HTTP 429 with `Retry-After` when rate limited.
// Implements auth.test, chat.postMessage/update/postEphemeral, conversations.open,
// views.open/publish/update, users.lookupByEmail, users.info and oauth.v2.access. Every call
// is recorded (method, arguments, token) so tests can assert on what was sent.
import express, { type Request, type Response } from 'express';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';

export interface SlackCall {
  method: string;
  args: Record<string, unknown>;
  token: string | null;
  /** HTTP status the sandbox answered with. */
  status: number;
}

export interface SandboxUser {
  id: string;
  email: string;
  name: string;
  deleted?: boolean;
  /** IANA time zone users.info reports (tz). */
  tz?: string;
}

export interface SlackSandboxOptions {
  botToken: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  /** The workspace's name oauth.v2.access reports (default Sandbox). */
  teamName?: string;
  clientId?: string;
  clientSecret?: string;
  users?: SandboxUser[];
}

interface StoredMessage {
  channel: string;
  ts: string;
  text: unknown;
  blocks: unknown;
  updates: number;
}

const JSON_ARGS = ['blocks', 'attachments', 'view', 'metadata'];

export class SlackSandbox {
  readonly calls: SlackCall[] = [];
  /** Emits 'call' with each SlackCall as it is recorded. */
  readonly events = new EventEmitter().setMaxListeners(0);
  readonly users = new Map<string, SandboxUser>();
  readonly messages = new Map<string, StoredMessage>();
  readonly views = new Map<string, Record<string, unknown>>();
  /** user id → the last published App Home view. */
  readonly homes = new Map<string, Record<string, unknown>>();
  /** OAuth codes the sandbox accepts (code → installing user id). */
  readonly codes = new Map<string, string>();
  private readonly limits = new Map<string, { times: number; retryAfter: number }>();
  private readonly channelLimits = new Map<string, { times: number; retryAfter: number }>();
  private server: Server | undefined;
  private seq = 0;
  url = '';

  constructor(private readonly opts: SlackSandboxOptions) {
    for (const u of opts.users ?? []) this.addUser(u);
  }

  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  get botUserId(): string {
    return this.opts.botUserId ?? 'UBOT0001';
  }

  get botId(): string {
    return this.opts.botId ?? 'BBOT0001';
  }

  addUser(u: SandboxUser): void {
    this.users.set(u.email.toLowerCase(), u);
  }

  /** Answer the next `times` calls of `method` with 429 and `Retry-After: retryAfter` seconds. */
  rateLimit(method: string, times: number, retryAfter = 1): void {
    this.limits.set(method, { times, retryAfter });
  }

  /** Answer the next `times` chat.postMessage calls to `channel` with 429 and `Retry-After: retryAfter` seconds (other channels are served). */
  rateLimitChannel(channel: string, times: number, retryAfter = 1): void {
    this.channelLimits.set(channel, { times, retryAfter });
  }

  /** Resolves with the first call from now on that matches. */
  nextCall(match: (c: SlackCall) => boolean, timeoutMs = 10_000): Promise<SlackCall> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.events.off('call', on);
        reject(new Error('no matching Slack call'));
      }, timeoutMs);
      const on = (c: SlackCall): void => {
        if (!match(c)) return;
        clearTimeout(timer);
        this.events.off('call', on);
        resolve(c);
      };
      this.events.on('call', on);
    });
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method && c.status === 200);
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.clear();
    this.views.clear();
    this.homes.clear();
    this.limits.clear();
    this.channelLimits.clear();
  }

  async start(): Promise<void> {
    const app = express();
    app.use(express.urlencoded({ extended: false, limit: '2mb' }));
    app.use(express.json({ limit: '2mb' }));
    app.post('/api/:method', (req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve());
      this.server = s;
    });
    const addr = this.server?.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  private nextTs(): string {
    this.seq += 1;
    return `${1_700_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  private handle(req: Request, res: Response): void {
    const method = String(req.params['method']);
    const args: Record<string, unknown> = { ...(req.body as Record<string, unknown> | undefined) };
    for (const k of JSON_ARGS) {
      const v = args[k];
      if (typeof v === 'string') {
        try {
          args[k] = JSON.parse(v);
        } catch {
          /* left as sent */
        }
      }
    }
    const auth = /^Bearer (.+)$/.exec(req.get('authorization') ?? '');
    const token = auth?.[1] ?? (typeof args['token'] === 'string' ? args['token'] : null);
    const byMethod = this.limits.get(method);
    const limit = byMethod && byMethod.times > 0 ? byMethod : method === 'chat.postMessage' && typeof args['channel'] === 'string' ? this.channelLimits.get(args['channel']) : undefined;
    if (limit && limit.times > 0) {
      limit.times -= 1;
      this.calls.push({ method, args, token, status: 429 });
      res.status(429).set('Retry-After', String(limit.retryAfter)).json({ ok: false, error: 'ratelimited' });
      return;
    }
    const call = { method, args, token, status: 200 };
    this.calls.push(call);
    this.events.emit('call', call);
    const reply = (body: Record<string, unknown>): void => {
      res.json(body);
    };
    const fail = (error: string): void => reply({ ok: false, error });

    if (method === 'oauth.v2.access') return this.oauth(req, args, reply, fail);
    if (!token) return fail('not_authed');
    if (token !== this.opts.botToken && !token.startsWith('xoxb-sandbox-installed-')) return fail('invalid_auth');
    const str = (k: string): string | undefined => (typeof args[k] === 'string' && args[k] !== '' ? (args[k] as string) : undefined);

    switch (method) {
      case 'auth.test':
        return reply({ ok: true, url: 'https://sandbox.slack.test/', team: 'Sandbox', user: 'overdue', team_id: this.opts.teamId ?? 'T0SANDBOX', user_id: this.botUserId, bot_id: this.botId });
      case 'chat.postMessage': {
        const channel = str('channel');
        if (!channel) return fail('channel_not_found');
        if (args['text'] === undefined && args['blocks'] === undefined) return fail('no_text');
        const ts = this.nextTs();
        this.messages.set(`${channel}:${ts}`, { channel, ts, text: args['text'], blocks: args['blocks'], updates: 0 });
        return reply({ ok: true, channel, ts, message: { type: 'message', text: args['text'], blocks: args['blocks'], ts, bot_id: this.botId } });
      }
      case 'chat.update': {
        const channel = str('channel');
        const ts = str('ts');
        const m = channel && ts ? this.messages.get(`${channel}:${ts}`) : undefined;
        if (!m) return fail('message_not_found');
        m.text = args['text'];
        m.blocks = args['blocks'];
        m.updates += 1;
        return reply({ ok: true, channel, ts, text: args['text'] });
      }
      case 'chat.postEphemeral': {
        if (!str('channel')) return fail('channel_not_found');
        if (!str('user')) return fail('user_not_in_channel');
        return reply({ ok: true, message_ts: this.nextTs() });
      }
      case 'conversations.open': {
        const users = str('users');
        if (!users) return fail('users_list_not_supplied');
        const known = [...this.users.values()].find((u) => u.id === users);
        if (!known) return fail('user_not_found');
        if (known.deleted) return fail('user_disabled');
        return reply({ ok: true, channel: { id: `D${users.replace(/^U/, '')}` } });
      }
      case 'users.lookupByEmail': {
        const email = str('email');
        const u = email ? this.users.get(email.toLowerCase()) : undefined;
        if (!u) return fail('users_not_found');
        return reply({ ok: true, user: { id: u.id, name: u.name, real_name: u.name, deleted: u.deleted === true, profile: { email: u.email, real_name: u.name } } });
      }
      case 'users.info': {
        // https://api.slack.com/methods/users.info: the user object with tz and, with users:read.email, profile.email.
        const id = str('user');
        const u = [...this.users.values()].find((x) => x.id === id);
        if (!u) return fail('user_not_found');
        return reply({
          ok: true,
          user: { id: u.id, name: u.name.toLowerCase().replace(/\s+/g, '.'), real_name: u.name, deleted: u.deleted === true, ...(u.tz ? { tz: u.tz, tz_label: u.tz, tz_offset: 0 } : {}), profile: { email: u.email, real_name: u.name } },
        });
      }
      case 'views.open': {
        if (!str('trigger_id')) return fail('invalid_trigger_id');
        const view = args['view'];
        if (typeof view !== 'object' || view === null) return fail('invalid_arguments');
        const id = `V${String(++this.seq).padStart(8, '0')}`;
        const stored = { ...(view as Record<string, unknown>), id };
        this.views.set(id, stored);
        return reply({ ok: true, view: stored });
      }
      case 'views.update': {
        const id = str('view_id');
        if (!id || !this.views.has(id)) return fail('not_found');
        const stored = { ...(args['view'] as Record<string, unknown>), id };
        this.views.set(id, stored);
        return reply({ ok: true, view: stored });
      }
      case 'views.publish': {
        const user = str('user_id');
        const view = args['view'];
        if (!user) return fail('invalid_arguments');
        if (typeof view !== 'object' || view === null || (view as { type?: unknown }).type !== 'home') return fail('invalid_arguments');
        this.homes.set(user, view as Record<string, unknown>);
        return reply({ ok: true, view: { ...(view as Record<string, unknown>), id: `VHOME${user}` } });
      }
      default:
        return fail('unknown_method');
    }
  }

  private oauth(req: Request, args: Record<string, unknown>, reply: (b: Record<string, unknown>) => void, fail: (e: string) => void): void {
    let clientId = args['client_id'];
    let clientSecret = args['client_secret'];
    const basic = /^Basic (.+)$/.exec(req.get('authorization') ?? '');
    if (basic?.[1]) [clientId, clientSecret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    if (clientId !== this.opts.clientId || clientSecret !== this.opts.clientSecret) return fail('invalid_client_id');
    const code = typeof args['code'] === 'string' ? args['code'] : '';
    const installer = this.codes.get(code);
    if (!installer) return fail('invalid_code');
    this.codes.delete(code);
    const team = this.opts.teamId ?? 'T0SANDBOX';
    reply({
      ok: true,
      app_id: 'A0SANDBOX',
      authed_user: { id: installer },
      scope: 'chat:write,commands,im:write,users:read,users:read.email',
      token_type: 'bot',
      access_token: `xoxb-sandbox-installed-${team}`,
      bot_user_id: this.botUserId,
      team: { id: team, name: this.opts.teamName ?? 'Sandbox' },
      enterprise: null,
      is_enterprise_install: false,
    });
  }
}
