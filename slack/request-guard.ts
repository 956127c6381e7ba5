// Two checks on requests from Slack that Bolt's receiver leaves out. Bolt refuses
// a signature timestamp more than 5 minutes old, but not one in the future; and a
// signed interaction captured on the way can be sent again within those 5 minutes
// and would run again. So: the timestamp must lie within 5 minutes either way, and
// each interaction (and slash command) runs once, decided by a claim on its id.
import type { RequestHandler } from 'express';

/** How far the signed timestamp may be from our clock, either way (Slack's own guidance: 5 minutes). */
export const SLACK_TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Whether an X-Slack-Request-Timestamp is within the tolerance of `nowMs`, in both directions. */
export function slackTimestampFresh(header: string | undefined, nowMs: number): boolean {
  if (header === undefined || !/^\d{1,12}$/.test(header)) return false;
  return Math.abs(Number(header) - Math.floor(nowMs / 1000)) <= SLACK_TIMESTAMP_TOLERANCE_SECONDS;
}

/**
 * Answers 401 (as Bolt does for a bad signature) when the timestamp is outside the window; mounted
 * before Bolt's own verification. `nowMs` is the wall clock: Bolt checks the same header against it.
 */
export function slackTimestampGuard(nowMs: () => number): RequestHandler {
  return (req, res, next) => {
    if (!slackTimestampFresh(req.get('x-slack-request-timestamp'), nowMs())) {
      res.status(401).send();
      return;
    }
    next();
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const rec = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/**
 * The claim key that makes an interaction or slash command run once, or undefined for anything else
 * (events are de-duplicated by their event_id elsewhere). Slack gives each user interaction its own
 * trigger_id, so an identical replay has the same one and a real second click or resubmission (a
 * modal sent again after a validation error keeps its view id and hash) has a new one. Without a
 * trigger_id: block actions by container and action_ts, view submissions by view id and hash.
 */
export function interactionKey(body: unknown): string | undefined {
  const b = rec(body);
  const type = str(b['type']) ?? (str(b['command']) ? 'command' : undefined);
  if (type !== 'block_actions' && type !== 'view_submission' && type !== 'command') return undefined;
  const trigger = str(b['trigger_id']);
  if (trigger) return `slack:interaction:${type}:${trigger}`;
  if (type === 'block_actions') {
    const container = rec(b['container']);
    const where = str(container['message_ts']) ?? str(container['view_id']) ?? str(rec(b['view'])['id']);
    const actions = Array.isArray(b['actions']) ? b['actions'] : [];
    const actionTs = str(rec(actions[0])['action_ts']);
    return where && actionTs ? `slack:interaction:block_actions:${where}:${actionTs}` : undefined;
  }
  if (type === 'view_submission') {
    const view = rec(b['view']);
    const id = str(view['id']);
    const hash = str(view['hash']);
    return id && hash ? `slack:interaction:view_submission:${id}:${hash}` : undefined;
  }
  return undefined;
}
