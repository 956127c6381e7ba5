// `npm run cli -- org create` and `npm run cli -- slack manifest`: parsing their
// command lines (pure). The commands themselves are in scripts/cli.ts; an
// organisation is created by the one createOrganisation (src/settings/create-org.ts),
// as POST /api/orgs and the Slack install do.
import { NewOrgSchema, type NewOrg } from '../settings/create-org.js';

export const ORG_USAGE = `  org create --name <name> [--currency <ISO 4217>] [--time-zone <IANA zone>] [--id <id>] [--slack-team <T…>]
      Create an organisation without Slack (default USD, UTC; the id defaults to
      a slug of the name). Prints its id. The same as POST /api/orgs.
  slack manifest
      Print the Slack app manifest (slack/manifest.yml) with PUBLIC_BASE_URL
      filled in, to paste at api.slack.com/apps → Create New App → From a manifest.`;

export type OrgCliArgs = { command: 'org-create'; org: NewOrg } | { command: 'slack-manifest' } | { command: 'help' } | { error: string };

const FLAGS: Record<string, keyof NewOrg> = { '--name': 'name', '--currency': 'homeCurrency', '--time-zone': 'timeZone', '--id': 'id', '--slack-team': 'slackTeamId' };

/** The `org …` and `slack …` commands; null for any other command (the preview's parser reads those). */
export function parseOrgCliArgs(argv: readonly string[]): OrgCliArgs | null {
  const [command, sub, ...rest] = argv;
  if (command !== 'org' && command !== 'slack') return null;
  if (argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  if (command === 'slack') {
    if (sub !== 'manifest') return { error: `unknown command: ${[command, sub].filter(Boolean).join(' ')} (try --help)` };
    if (rest.length > 0) return { error: `unknown argument: ${rest[0] ?? ''} (try --help)` };
    return { command: 'slack-manifest' };
  }
  if (sub !== 'create') return { error: `unknown command: ${[command, sub].filter(Boolean).join(' ')} (try --help)` };
  const input: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const raw = rest[i] ?? '';
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const key = FLAGS[flag];
    if (!key) return { error: `unknown argument: ${flag} (try --help)` };
    let value: string | undefined = eq > 0 && raw.startsWith('--') ? raw.slice(eq + 1) : rest[i + 1];
    if (!(eq > 0 && raw.startsWith('--'))) {
      if (value === undefined || value.startsWith('--')) return { error: `${flag} needs a value` };
      i++;
    }
    value = value ?? '';
    input[key] = value;
  }
  const parsed = NewOrgSchema.safeParse(input);
  if (!parsed.success) return { error: `org create: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}` };
  return { command: 'org-create', org: parsed.data };
}
