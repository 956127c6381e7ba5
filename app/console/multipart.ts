// File upload without JavaScript: a console form with enctype="multipart/form-data", read with busboy
// (as src/inbound/mailgun.ts reads Mailgun's forms) under limits. The text fields become the request's
// body (so the router's CSRF check and formOf read them as from any form); the files are kept on the
// request for uploadsOf(). Any other content type passes untouched (express.urlencoded reads those).
import busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';

/** An unreadable upload: the router's error handler answers its 400 page (no import of the router: no cycle). */
const unreadable = (): Error => Object.assign(new Error('unreadable multipart form'), { status: 400 });

export interface Upload {
  field: string;
  filename: string;
  data: Buffer;
  /** The file was larger than the limit (data holds its first `limit` bytes only). */
  truncated: boolean;
}

type WithUploads = Request & { consoleUploads?: Upload[] };

/** The uploaded files of a multipart console form (none for any other form). */
export function uploadsOf(req: Request): Upload[] {
  return (req as WithUploads).consoleUploads ?? [];
}

/** Middleware: read a multipart form (fields ≤ 10,000 characters, at most `maxFiles` files of `maxFileBytes`). */
export function multipartForms(o: { maxFileBytes: number; maxFiles?: number }): (req: Request, res: Response, next: NextFunction) => void {
  return (req, _res, next) => {
    if (!(req.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) return next();
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, defCharset: 'utf8', limits: { fieldSize: 10_000, fileSize: o.maxFileBytes, fields: 100, files: o.maxFiles ?? 1, fieldNameSize: 100 } });
    } catch {
      return next(unreadable());
    }
    const fields: Record<string, string> = {};
    const uploads: Upload[] = [];
    let repeated = false;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      next(err);
    };
    bb.on('field', (name, value) => {
      if (name in fields) repeated = true;
      fields[name] = value;
    });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      const up: Upload = { field, filename: info.filename ?? '', data: Buffer.alloc(0), truncated: false };
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        up.truncated = true;
      });
      stream.on('end', () => {
        up.data = Buffer.concat(chunks);
        uploads.push(up);
      });
    });
    bb.on('error', () => finish(unreadable()));
    bb.on('close', () => {
      // A field sent twice is refused as formOf refuses it (FormBody: strings only).
      req.body = repeated ? { _repeated: [] } : fields;
      (req as WithUploads).consoleUploads = uploads;
      finish();
    });
    req.pipe(bb);
  };
}
