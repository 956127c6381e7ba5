// `npm run demo`: the whole product against local sandboxes — connect, sync,
// 120 simulated days of collections — and a report in demo-output/ (docs/demo.md).
import { resolve } from 'node:path';
import { accountSummaries, dso } from './report.js';
import { resetDir, writeReport } from './output.js';
import { runDemo } from './run.js';
import { decimal } from './scenario.js';

async function main(): Promise<void> {
  const days = Number(process.env.DEMO_DAYS ?? 120);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new Error('DEMO_DAYS must be a whole number of days (1-365)');
  const out = resolve(process.env.DEMO_OUTPUT ?? 'demo-output');
  resetDir(out);
  console.log(`Overdue demo: ${days} simulated days against local QuickBooks, Xero, Slack and SMTP sandboxes`);
  const facts = await runDemo({ days, progress: (l) => console.log(`  ${l}`), logLevel: process.env.LOG_LEVEL ?? 'silent' });
  const { files } = writeReport(out, facts);

  const rows = accountSummaries(facts);
  const w = Math.max(...rows.map((r) => r.name.length));
  console.log('');
  console.log(`${'account'.padEnd(w)}  ${'invoiced'.padStart(14)}  ${'collected'.padStart(14)}  final state`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${`${decimal(r.invoicedMinor)} ${r.currency}`.padStart(14)}  ${`${decimal(r.collectedMinor)} ${r.currency}`.padStart(14)}  ${r.finalState}`);
  const d = dso(facts);
  console.log('');
  console.log(`DSO ${d.before.toFixed(0)} days → ${d.after.toFixed(0)} days · ${facts.emails.length} emails · ${facts.payments.length} payments · ${facts.people.length} people's actions in Slack`);
  console.log(`Report (${files} files): ${resolve(out, 'timeline.html')}`);
  const steps = Object.entries(facts.timings).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`);
  console.log(`Wall time ${(facts.wallMs / 1000).toFixed(1)} s (${steps.join(', ')})`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack ?? err.message : String(err));
  process.exit(1);
});
