// `npm run audit:verify -- [--account <id>]`: checks the audit trail's hash chain
// (HMAC keyed with AUDIT_CHAIN_KEY from the configuration) of every account (or
// one) in the configured database; exits 1 naming the first
// broken entry of each broken chain, 2 on bad usage or no database.
import { loadConfig } from '../src/config.js';
import { withConfiguredDatabase } from '../src/db/with-database.js';
import { runVerify } from '../src/documents/verify.js';
import { createStore } from '../src/store/store.js';

async function main(): Promise<number> {
  const config = loadConfig(process.env);
  return withConfiguredDatabase(config, (db) => runVerify(db, createStore(db, { auditChainKey: config.secrets.auditChainKey }).audit, process.argv.slice(2), (l) => console.log(l)));
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`audit:verify: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
