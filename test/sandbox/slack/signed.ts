// Sends requests to our Slack endpoint the way Slack does: form-encoded bodies
// (interactions as `payload=<json>`, slash commands as fields), signed with
// `v0=HMAC-SHA256(signing secret, "v0:{timestamp}:{raw body}")` in
// X-Slack-Signature and the timestamp in X-Slack-Request-Timestamp.
import { createHmac } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Seconds since the epoch (default: now). */
  timestamp?: number;
  /** Replace the computed signature (forgeries). */
  signature?: string;
  retryNum?: number;
}

export interface SlackHttpResult {
  status: number;
  text: string;
  ms: number;
}

export async function sendSigned(url: string, secret: string, body: string, contentType: string, opts: SendOptions = {}): Promise<SlackHttpResult> {
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': opts.signature ?? slackSignature(secret, ts, body),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - started };
}

export function sendInteraction(url: string, secret: string, payload: unknown, opts?: SendOptions): Promise<SlackHttpResult> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return sendSigned(url, secret, body, 'application/x-www-form-urlencoded', opts);
}

export function sendCommand(url: string, secret: string, fields: Record<string, string>, opts?: SendOptions): Promise<SlackHttpResult> {
  return sendSigned(url, secret, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', opts);
}

export function sendEvent(url: string, secret: string, envelope: unknown, opts?: SendOptions): Promise<SlackHttpResult> {
  return sendSigned(url, secret, JSON.stringify(envelope), 'application/json', opts);
}

// ---- payload builders (the fields Bolt and our listeners read) ----

export interface Who {
  userId: string;
  teamId?: string;
}

let triggerSeq = 0;
const trigger = (): string => `trg.${Date.now()}.${++triggerSeq}`;

export function blockAction(who: Who, a: { actionId: string; value: string; channel: string; ts: string; blockId?: string }): Record<string, unknown> {
  const team = who.teamId ?? 'T0SANDBOX';
  return {
    type: 'block_actions',
    team: { id: team, domain: 'sandbox' },
    user: { id: who.userId, username: who.userId, team_id: team },
    api_app_id: 'A0SANDBOX',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: a.ts, channel_id: a.channel, is_ephemeral: false },
    trigger_id: trigger(),
    channel: { id: a.channel, name: 'directmessage' },
    message: { type: 'message', ts: a.ts, text: '' },
    response_url: 'http://127.0.0.1:9/response-url-unused',
    actions: [{ type: 'button', action_id: a.actionId, block_id: a.blockId ?? 'actions', value: a.value, action_ts: String(Date.now() / 1000) }],
  };
}

/** A view_submission; `values` is state.values: block id → action id → element state. */
export function viewSubmission(who: Who, view: { callbackId: string; privateMetadata: string; values: Record<string, Record<string, unknown>>; id?: string }): Record<string, unknown> {
  const team = who.teamId ?? 'T0SANDBOX';
  return {
    type: 'view_submission',
    team: { id: team, domain: 'sandbox' },
    user: { id: who.userId, username: who.userId, team_id: team },
    api_app_id: 'A0SANDBOX',
    token: 'legacy-verification-token',
    trigger_id: trigger(),
    view: {
      id: view.id ?? 'V0000000',
      type: 'modal',
      callback_id: view.callbackId,
      private_metadata: view.privateMetadata,
      state: { values: view.values },
      hash: 'h',
    },
  };
}

export function slashCommand(who: Who, command: string, text: string): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: who.teamId ?? 'T0SANDBOX',
    team_domain: 'sandbox',
    channel_id: 'C0COMMAND',
    channel_name: 'collections',
    user_id: who.userId,
    user_name: who.userId,
    command,
    text,
    api_app_id: 'A0SANDBOX',
    response_url: 'http://127.0.0.1:9/response-url-unused',
    trigger_id: trigger(),
  };
}
