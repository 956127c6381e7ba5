// The set `npm run docs:pictures` photographs (scripts/docs-pictures-set.ts),
// rendered without a browser: every item renders, and nothing a customer reads
// shows an unresolved placeholder, "undefined" or "NaN".
import { EMAIL_LEVELS, LETTERS, renderSamples, type Sample } from '../scripts/docs-pictures-set.js';
import { pdfPages } from './documents.helpers.js';

function readable(s: Sample): Promise<string> {
  if (s.kind === 'email') return Promise.resolve([s.subject ?? '', s.text ?? '', (s.html ?? '').replace(/<[^>]*>/g, ' ')].join('\n'));
  return pdfPages(s.pdf ?? Buffer.alloc(0)).then((pages) => pages.join('\n'));
}

describe('docs pictures: the sample set', () => {
  let samples: Sample[];
  beforeAll(async () => {
    samples = await renderSamples();
  });

  it('covers every email level, both letters and a statement, for the US and the NZ customer, under distinct names', () => {
    const expected = ['us', 'nz'].flatMap((c) => [...EMAIL_LEVELS.map((l) => `email-${l}-${c}`), ...LETTERS.map((k) => `letter-${k}-${c}`), `statement-${c}`]);
    expect(samples.map((s) => s.name)).toEqual(expected);
    expect(new Set(samples.map((s) => s.name)).size).toBe(samples.length);
    for (const s of samples) expect(s.name).toMatch(/^[a-z0-9-]+$/);
  });

  it('each output is non-empty and reads with no "{", "undefined" or "NaN"', async () => {
    for (const s of samples) {
      if (s.kind === 'email') {
        expect(s.subject).toBeTruthy();
        expect((s.html ?? '').length).toBeGreaterThan(200);
      } else {
        expect(s.pdf?.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      }
      const text = await readable(s);
      expect(text.replace(/\s+/g, '').length).toBeGreaterThan(100);
      for (const bad of ['{', '}', 'undefined', 'NaN']) {
        if (text.includes(bad)) throw new Error(`${s.name} shows "${bad}": …${text.slice(Math.max(0, text.indexOf(bad) - 60), text.indexOf(bad) + 60)}…`);
      }
    }
  });

  it('the NZ samples are in NZD and the US ones in USD', async () => {
    for (const s of samples) {
      const text = await readable(s);
      if (s.name.endsWith('-nz')) expect(text).toMatch(/NZ\$|NZD/);
      else expect(text).not.toMatch(/NZ\$|NZD/);
    }
  });

  it('renders the same bytes twice (the pictures are regenerated, not hand-edited)', async () => {
    const again = await renderSamples();
    expect(again.map((s) => s.html ?? s.pdf?.toString('base64'))).toEqual(samples.map((s) => s.html ?? s.pdf?.toString('base64')));
  });
});
