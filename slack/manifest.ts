// The Slack app manifest (slack/manifest.yml) with PUBLIC_BASE_URL filled in, for
// `npm run cli -- slack manifest`. The file is read from the project folder (next
// to this module in the sources; two folders up from dist/slack when compiled).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const MANIFEST_PLACEHOLDER = '${PUBLIC_BASE_URL}';

export class ManifestError extends Error {}

/** Where slack/manifest.yml is: the nearest folder above this module that has it. */
export function manifestPath(from: string = __dirname): string {
  for (let dir = from; ; ) {
    const candidate = join(dir, 'slack', 'manifest.yml');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new ManifestError(`cannot find slack/manifest.yml above ${from}`);
    dir = up;
  }
}

const BaseUrl = z.url({ protocol: /^https$/, error: 'must be an https:// address (Slack calls only https URLs)' });

/** The manifest text with the public base URL (no trailing slash) in place of every placeholder. */
export function renderManifest(template: string, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl === undefined || publicBaseUrl.trim() === '') {
    throw new ManifestError('PUBLIC_BASE_URL is unset: set it to the https address Slack reaches this service at, e.g. PUBLIC_BASE_URL=https://overdue.example.com npm run cli -- slack manifest');
  }
  const parsed = BaseUrl.safeParse(publicBaseUrl.trim());
  if (!parsed.success) throw new ManifestError(`PUBLIC_BASE_URL ${publicBaseUrl}: ${parsed.error.issues[0]?.message ?? 'not a URL'}`);
  const base = parsed.data.replace(/\/+$/, '');
  return template.split(MANIFEST_PLACEHOLDER).join(base);
}

export function readManifest(publicBaseUrl: string | undefined): string {
  return renderManifest(readFileSync(manifestPath(), 'utf8'), publicBaseUrl);
}
