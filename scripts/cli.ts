// `npm run cli -- <command>`: operator commands: `preview --company <id>
// [--days N] [--json]`, a dry run of the ladder over a connected company's
// accounts (src/cli/preview.ts); `org create --name …`, a new organisation, and
// `slack manifest`, the Slack app manifest for PUBLIC_BASE_URL (src/cli/org.ts).
// `npm run cli -- --help` prints the usage.
// Exit 0 done, 2 bad usage, unknown company or no database (one line on stderr).
import { ConfigError, loadConfig } from '../src/config.js';
import { DatabaseUnreachableError } from '../src/db/connect.js';
import { LocalServerUnavailableError, withConfiguredDatabase } from '../src/db/with-database.js';
import { AppError } from '../src/errors.js';
import { parseCliArgs, formatPreview, previewJson, USAGE } from '../src/cli/preview.js';
import { ORG_USAGE, parseOrgCliArgs } from '../src/cli/org.js';
import { createOrganisation } from '../src/settings/create-org.js';
import { ManifestError, readManifest } from '../slack/manifest.js';
import { previewCompany } from '../src/cli/preview-load.js';
import { storedPolicySource } from '../src/planning/policy-source.js';
import { createStore } from '../src/store/store.js';

/** Errors the operator can fix (exit 2); anything else is a bug (exit 1). */
class UsageError extends Error {}

const FULL_USAGE = USAGE.replace('\n\nDatabase:', `\n${ORG_USAGE}\n\nDatabase:`);

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const args = parseOrgCliArgs(argv) ?? parseCliArgs(argv);
  if ('error' in args) throw new UsageError(args.error);
  if (args.command === 'help') {
    process.stdout.write(FULL_USAGE + '\n');
    return 0;
  }
  if (args.command === 'slack-manifest') {
    process.stdout.write(readManifest(process.env['PUBLIC_BASE_URL']));
    return 0;
  }
  const config = loadConfig(process.env);
  if (args.command === 'org-create') {
    return withConfiguredDatabase(config, async (db) => {
      const store = createStore(db, { auditChainKey: config.secrets.auditChainKey });
      const org = await createOrganisation(store, args.org, { actor: { kind: 'system', id: 'cli', name: 'npm run cli' }, now: new Date(), channel: 'system' });
      process.stdout.write(`${org._id}\n`);
      return 0;
    });
  }
  return withConfiguredDatabase(config, async (db) => {
    const store = createStore(db, { auditChainKey: config.secrets.auditChainKey });
    // The same policy source the web and worker roles build (app/services.ts): stored version, else the default ladder.
    const report = await previewCompany(store, storedPolicySource(store.policies, { organisations: store.organisations }), args.company, new Date(), args.days);
    process.stdout.write(args.json ? previewJson(report) : formatPreview(report));
    return 0;
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof ConfigError ? `invalid configuration: ${err.problems.join('; ')}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`cli: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    const known = err instanceof UsageError || err instanceof ManifestError || err instanceof LocalServerUnavailableError || err instanceof AppError || err instanceof ConfigError || err instanceof DatabaseUnreachableError;
    process.exit(known ? 2 : 1);
  },
);
