// Small Block Kit helpers shared by the builders (plain objects, no SDK types).
export type Block = Record<string, unknown>;

export const plain = (text: string): Block => ({ type: 'plain_text', text, emoji: true });
export const mrkdwn = (text: string): Block => ({ type: 'mrkdwn', text });
export const header = (text: string): Block => ({ type: 'header', text: plain(text.slice(0, 150)) });
export const section = (text: string): Block => ({ type: 'section', text: mrkdwn(text.slice(0, 3000)) });
export const fields = (items: string[]): Block => ({ type: 'section', fields: items.slice(0, 10).map((t) => mrkdwn(t)) });
export const context = (text: string): Block => ({ type: 'context', elements: [mrkdwn(text)] });
export const divider = (): Block => ({ type: 'divider' });

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Block {
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

export function modal(p: ModalParts): Block {
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

export function input(blockId: string, label: string, element: Block, optional = false): Block {
  return { type: 'input', block_id: blockId, label: plain(label), element, optional };
}
