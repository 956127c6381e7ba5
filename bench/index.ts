// `npm run bench [-- name...]`: runs the named benchmarks (all when none is named)
// and prints their figures. Each benchmark is a module exporting `run(): Promise<void>`.
const benches: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  engine: () => import('./engine.js'),
  documents: () => import('./documents.js'),
  quickbooks: () => import('./quickbooks.js'),
  xero: () => import('./xero.js'),
  dispatch: () => import('./dispatch.js'),
  slack: () => import('./slack.js'),
  audit: () => import('./audit.js'),
  'id-index': () => import('./id-index.js'),
};

async function main(): Promise<void> {
  const names = process.argv.slice(2);
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
