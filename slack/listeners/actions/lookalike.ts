// The look-alike alert's buttons (slack/blocks/lookalike.ts): Make prepay-only, Not the same business, Ask for a credit check.
import { decideLookalike, type LookalikeChoice } from '../../services/lookalike.js';
import { click, servicesOf, type ActionArgs } from '../payloads.js';

function lookalikeButton(choice: LookalikeChoice) {
  return async ({ ack, body, context }: ActionArgs): Promise<void> => {
    await ack();
    const c = click(body);
    await decideLookalike(servicesOf(context), choice, { flagId: c.id, userId: c.userId, channel: c.channel, ts: c.ts });
  };
}

export const lookalikePrepayButton = lookalikeButton('prepay');
export const lookalikeDismissButton = lookalikeButton('dismiss');
export const lookalikeCreditCheckButton = lookalikeButton('creditCheck');
