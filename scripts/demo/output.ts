// Writes the demo's report into a folder (demo-output/ for `npm run demo`):
// timeline.html/.md, summary.md, emails/*.eml, documents/*, slack/*.json, slack.html.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PEOPLE } from './scenario.js';
import { slackHtml, summaryMarkdown, timelineHtml, timelineMarkdown } from './report.js';
import type { DemoFacts } from './run.js';

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Empty the folder (a previous run's report must not mix with this one's). */
export function resetDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

export function writeReport(dir: string, facts: DemoFacts): { files: number } {
  let files = 0;
  const write = (name: string, body: string | Buffer) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, body);
    files++;
  };
  write('timeline.html', timelineHtml(facts));
  write('timeline.md', timelineMarkdown(facts));
  write('summary.md', summaryMarkdown(facts));
  facts.emails.forEach((e, i) => write(`emails/${String(i + 1).padStart(3, '0')}-${e.date}-${safe(e.account ?? 'unknown')}-${safe(e.level ?? 'email')}.eml`, e.raw));
  for (const d of facts.documents) write(`documents/${safe(d.name)}`, d.body);
  const names: Record<string, string> = {};
  for (const p of Object.values(PEOPLE)) names[p.id.replace(/^U/, 'D')] = `${p.name} (DM)`;
  facts.slack.forEach((s, i) =>
    write(`slack/${String(i + 1).padStart(3, '0')}-${s.date}-${safe(names[s.channel] ?? s.channel)}-${s.method === 'chat.update' ? 'update' : 'post'}.json`, JSON.stringify({ date: s.date, method: s.method, channel: s.channel, text: s.text, blocks: s.blocks }, null, 2) + '\n'),
  );
  write('slack.html', slackHtml(facts.slack, names));
  return { files };
}
