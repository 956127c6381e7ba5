// `npm run bench [-- name...]`: runs the named benchmarks (all when none is named)
// and prints their figures; options after the names go to the benches
// (`npm run bench -- planning --sizes 1000,5000`). Each benchmark is a module exporting `run(): Promise<void>`.
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  engine: () => import('./engine.js'),
  documents: () => import('./documents.js'),
  quickbooks: () => import('./quickbooks.js'),
  xero: () => import('./xero.js'),
  dispatch: () => import('./dispatch.js'),
  slack: () => import('./slack.js'),
  audit: () => import('./audit.js'),
  'id-index': () => import('./id-index.js'),
  planning: () => import('./planning.js'),
  accounts: () => import('./accounts.js'),
  scale: () => import('./scale.js'),
  latency: () => import('./latency.js'),
  lookalike: () => import('./lookalike.js'),
  replies: () => import('./replies.js'),
  pages: () => import('./pages.js'),
};

async function main(): Promise<void> {
  // Names, not options: `--flag value` and `--flag=value` belong to the benches (they read process.argv).
  const args = process.argv.slice(2);
  const names = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]?.startsWith('--') && !args[i - 1]?.includes('=')));
  const unknown = names.filter((n) => !(n in benches));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(benches).join(', ')}`);
    process.exit(2);
  }
  for (const name of names.length > 0 ? names : Object.keys(benches)) {
    const load = benches[name];
    if (!load) continue;
    console.log(`\n== ${name} ==`);
    await (await load()).run();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
