// Small Block Kit helpers shared by the builders, typed with @slack/types (the
// SDK's own Block Kit types, which the Slack client's methods accept as they are).
import type {
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  InputBlock,
  InputBlockElement,
  KnownBlock,
  ModalView,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';

export type { HomeView, ModalView } from '@slack/types';

/** A block of a message or view. */
export type Block = KnownBlock;

export const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const header = (text: string): HeaderBlock => ({ type: 'header', text: plain(text.slice(0, 150)) });
export const section = (text: string): SectionBlock => ({ type: 'section', text: mrkdwn(text.slice(0, 3000)) });
export const fields = (items: string[]): SectionBlock => ({ type: 'section', fields: items.slice(0, 10).map((t) => mrkdwn(t)) });
export const context = (text: string): ContextBlock => ({ type: 'context', elements: [mrkdwn(text)] });
export const divider = (): DividerBlock => ({ type: 'divider' });

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', text: plain(text), action_id: actionId, value, ...(style ? { style } : {}) };
}

/** Escape the three characters Slack's mrkdwn treats as control characters. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export interface ModalParts {
  callbackId: string;
  title: string;
  submit: string;
  privateMetadata: string;
  blocks: Block[];
}

export function modal(p: ModalParts): ModalView {
  return {
    type: 'modal',
    callback_id: p.callbackId,
    title: plain(p.title.slice(0, 24)),
    submit: plain(p.submit),
    close: plain('Cancel'),
    private_metadata: p.privateMetadata,
    blocks: p.blocks,
  };
}

export function input(blockId: string, label: string, element: InputBlockElement, optional = false): InputBlock {
  return { type: 'input', block_id: blockId, label: plain(label), element, optional };
}
