// `npm run docs:pictures`: photographs what a customer receives, for docs/.
// Renders the sample set (scripts/docs-pictures-set.ts) through the product's
// renderers, then, in headless Chromium (/usr/bin/chromium, playwright-core):
// each email's HTML → a full-page PNG 700 px wide; each letter and statement PDF →
// a PNG per page (pages 1 and 2), drawn by pdfjs-dist onto a canvas in the page.
// pdfjs and the PDFs are served by a loopback HTTP server this script starts;
// the browser may reach nothing else. Writes docs/pictures/*.png and
// docs/pictures/README.md, and prints what it wrote and how long it took.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { escapeHtml } from '../src/email/render.js';
import { renderSamples, type Sample } from './docs-pictures-set.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const OUT = path.resolve('docs/pictures');
const PDFJS = path.resolve('node_modules/pdfjs-dist');
const EMAIL_WIDTH = 700;
/** CSS pixels per PDF point: an A4 page is 744 px wide, a Letter page 765 px. */
const PDF_SCALE = 1.25;
const MAX_PAGES = 2;
const MAX_BYTES = 300 * 1024;

const TYPES: Record<string, string> = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.pfb': 'application/octet-stream', '.ttf': 'font/ttf', '.pdf': 'application/pdf', '.html': 'text/html; charset=utf-8', '.wasm': 'application/wasm' };

// Loaded once; window.show(doc, page, scale) draws one page of a served PDF onto the canvas.
const VIEWER = `<!doctype html><html><head><meta charset="utf-8"><style>body{margin:0;background:#fff}canvas{display:block}</style></head><body>
<canvas id="page"></canvas>
<script type="module">
import * as pdfjs from '/pdfjs/legacy/build/pdf.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '/pdfjs/legacy/build/pdf.worker.mjs';
const worker = new pdfjs.PDFWorker();
window.show = async (name, n, scale) => {
  const doc = await pdfjs.getDocument({ url: '/pdf/' + encodeURIComponent(name), worker, standardFontDataUrl: '/pdfjs/standard_fonts/', verbosity: 0 }).promise;
  try {
    const page = await doc.getPage(n);
    const viewport = page.getViewport({ scale });
    const canvas = document.getElementById('page');
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    await page.render({ canvas, canvasContext: canvas.getContext('2d'), viewport }).promise;
    return doc.numPages;
  } finally {
    await doc.destroy();
  }
};
window.ready = true;
</script></body></html>`;

/** The email as a mail client would open it: From, To and Subject above the HTML body. */
function emailPage(s: Sample): string {
  const head =
    `<div style="font-family:Arial,Helvetica,sans-serif;font-size:13px;color:#444;background:#f3f4f6;border-bottom:1px solid #d0d4da;padding:10px 14px;margin:-8px -8px 12px">` +
    `<div><b>From:</b> ${escapeHtml(s.from ?? '')}</div><div><b>To:</b> ${escapeHtml(s.to ?? '')}</div><div style="margin-top:4px;font-size:15px;color:#111"><b>${escapeHtml(s.subject ?? '')}</b></div></div>`;
  const html = s.html ?? '';
  const body = /<body[^>]*>/i.exec(html);
  return body ? html.slice(0, body.index + body[0].length) + head + html.slice(body.index + body[0].length) : head + html;
}

function serve(pdfs: Map<string, Buffer>): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, type: string, body: Buffer | string): void => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (url.pathname === '/viewer.html') return send(200, TYPES['.html']!, VIEWER);
      if (url.pathname.startsWith('/pdf/')) {
        const pdf = pdfs.get(decodeURIComponent(url.pathname.slice('/pdf/'.length)));
        return pdf ? send(200, TYPES['.pdf']!, pdf) : send(404, 'text/plain', 'no such document');
      }
      if (url.pathname.startsWith('/pdfjs/')) {
        const file = path.resolve(PDFJS, '.' + decodeURIComponent(url.pathname.slice('/pdfjs'.length)));
        if (!file.startsWith(PDFJS + path.sep)) return send(403, 'text/plain', 'outside pdfjs-dist');
        try {
          return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', await readFile(file));
        } catch {
          return send(404, 'text/plain', 'not found');
        }
      }
      return send(404, 'text/plain', 'not found');
    })();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

interface Written {
  file: string;
  bytes: number;
  /** Milliseconds since the previous picture (or since the browser was up). */
  ms: number;
  sample: Sample;
  page?: number;
}

async function photograph(browser: Browser, base: string, samples: Sample[]): Promise<Written[]> {
  // a short viewport: a full-page screenshot is then as tall as the email, no taller
  const context = await browser.newContext({ deviceScaleFactor: 1, viewport: { width: EMAIL_WIDTH, height: 200 } });
  // nothing leaves the machine: only the loopback server answers
  await context.route('**/*', (route) => (route.request().url().startsWith(base) || route.request().url().startsWith('data:') ? route.continue() : route.abort()));
  const page = await context.newPage();
  const written: Written[] = [];
  let last = Date.now();
  const save = async (file: string, png: Buffer, sample: Sample, pageNo?: number): Promise<void> => {
    if (png.length > MAX_BYTES) throw new Error(`${file} is ${Math.round(png.length / 1024)} KB, over the ${MAX_BYTES / 1024} KB limit`);
    await writeFile(path.join(OUT, file), png);
    written.push({ file, bytes: png.length, ms: Date.now() - last, sample, ...(pageNo !== undefined ? { page: pageNo } : {}) });
    last = Date.now();
  };
  // emails first (setContent), then every PDF page in one loaded viewer
  const ordered = [...samples.filter((s) => s.kind === 'email'), ...samples.filter((s) => s.kind === 'pdf')];
  let viewerLoaded = false;
  for (const s of ordered) {
    if (s.kind === 'email') {
      await page.setContent(emailPage(s), { waitUntil: 'load' });
      await save(`${s.name}.png`, await page.screenshot({ fullPage: true, type: 'png' }), s);
      continue;
    }
    if (!viewerLoaded) {
      await page.setViewportSize({ width: 800, height: 1100 });
      await page.goto(`${base}/viewer.html`);
      await page.waitForFunction(() => (globalThis as { ready?: boolean }).ready === true, undefined, { timeout: 30_000 });
      viewerLoaded = true;
    }
    for (let n = 1; n <= MAX_PAGES; n++) {
      const pages = await page
        .evaluate(async ([name, no, scale]) => (globalThis as unknown as { show: (d: string, n: number, s: number) => Promise<number> }).show(name, no, scale), [s.name, n, PDF_SCALE] as const)
        .catch((e: unknown) => {
          throw new Error(`${s.name} page ${n}: pdfjs could not draw it: ${e instanceof Error ? e.message : String(e)}`);
        });
      await save(`${s.name}-p${n}.png`, await page.locator('#page').screenshot({ type: 'png' }), s, n);
      if (n >= pages) break;
    }
  }
  await context.close();
  return written;
}

function readme(written: Written[]): string {
  const lines = [
    '# What the customer receives: pictures',
    '',
    'Generated by `npm run docs:pictures` (scripts/docs-pictures.ts) from the sample set in',
    'scripts/docs-pictures-set.ts, through the product\'s own renderers: `src/email/render.ts` for',
    'emails, `src/documents/letter.ts` and `statement.ts` for the PDFs. Do not edit by hand: re-run',
    'the script after changing a template, a letter text or a document layout.',
    '',
    'Emails are the HTML body (with the From, To and Subject a mail client shows) at 700 px wide;',
    'letters and statements are their pages as pdfjs draws them. The sample organisation is',
    'Northwind Supply Co (Chicago); the US customer pays in USD with pay links, the New Zealand',
    'customer in NZD without pay links (its letters and statement show the remittance details).',
    '',
    '| Picture | What | Customer |',
    '|---|---|---|',
  ];
  for (const w of written) lines.push(`| [${w.file}](${w.file}) | ${w.sample.title}${w.page !== undefined ? `, page ${w.page}` : ''}${w.sample.subject ? ` — "${w.sample.subject.replace(/\|/g, '\\|')}"` : ''} | ${w.sample.customer} |`);
  lines.push('');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  if (!existsSync(CHROMIUM)) {
    console.error(`docs:pictures needs Chromium at ${CHROMIUM} (set CHROMIUM_PATH to use another). On Debian: apt-get install chromium, or run \`npm run bootstrap\` as root.`);
    process.exit(1);
  }
  const samples = await renderSamples();
  const rendered = Date.now();
  await mkdir(OUT, { recursive: true });
  for (const f of await readdir(OUT)) if (f.endsWith('.png')) await unlink(path.join(OUT, f));

  const pdfs = new Map(samples.filter((s) => s.pdf).map((s) => [s.name, s.pdf!] as const));
  const server = await serve(pdfs);
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // playwright gives each launch a fresh, throwaway --user-data-dir of its own (it refuses one in args)
    });
    const launched = Date.now();
    const written = await photograph(browser, base, samples);
    await writeFile(path.join(OUT, 'README.md'), readme(written));
    for (const w of written) console.log(`wrote docs/pictures/${w.file} (${Math.round(w.bytes / 1024)} KB, ${w.ms} ms)`);
    console.log('wrote docs/pictures/README.md');
    const total = written.reduce((a, w) => a + w.bytes, 0);
    console.log(`${written.length} pictures, ${Math.round(total / 1024)} KB in all, from ${samples.length} renders; rendering ${rendered - started} ms, browser start ${launched - rendered} ms, pictures ${Date.now() - launched} ms, total ${Date.now() - started} ms`);
  } finally {
    await browser?.close();
    server.close();
  }
}

main().catch((e: unknown) => {
  console.error(`docs:pictures failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
