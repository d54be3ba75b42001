import type { NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

/** Paths the console never claims: the API, its documentation, probes and public notice pages. */
const NOT_CONSOLE = /^\/(v1|docs|health|metrics|p)(\/|$)/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

/**
 * The strict Content-Security-Policy of every console page: scripts only from this origin, styles
 * from this origin plus the per-response nonce (the component library writes its CSS variables in
 * one <style> element), no framing, no plugins, connections only back to this origin.
 */
export function consoleCsp(nonce: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    // The letter preview: the real PDF from this origin's API, in a frame.
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function securityHeaders(res: Response, nonce: string): void {
  res.setHeader('Content-Security-Policy', consoleCsp(nonce));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

export function defaultConsoleDir(): string {
  // src/console/http or dist/console/http → <repo>/web/dist
  return resolve(__dirname, '..', '..', '..', 'web', 'dist');
}

/**
 * Serves the built console (web/dist) at `/`: hashed files under /assets/ cached for a year
 * (immutable), everything else revalidated, and any other path that is not the API answered with
 * index.html (client-side routes), with a fresh CSP nonce per response.
 */
export function consoleStatic(dir: string) {
  const root = resolve(dir);
  let index: { mtimeMs: number; html: string } | null = null;
  const indexHtml = (): string | null => {
    const file = join(root, 'index.html');
    if (!existsSync(file)) return null;
    const mtimeMs = statSync(file).mtimeMs;
    if (!index || index.mtimeMs !== mtimeMs) index = { mtimeMs, html: readFileSync(file, 'utf8') };
    return index.html;
  };

  return (req: Request, res: Response, next: NextFunction): void => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_CONSOLE.test(req.path)) return next();
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    let path: string;
    try {
      path = decodeURIComponent(req.path);
    } catch {
      res.status(400).type('text/plain').send('bad path');
      return;
    }
    if (path.includes('/.')) {
      // Build metadata (.vite/manifest.json) and dot-files are not served.
      res.setHeader('Cache-Control', 'no-store');
      res.status(404).type('text/plain').send('not found');
      return;
    }
    const file = normalize(join(root, path));
    const inside = file.startsWith(root + sep);
    if (inside && extname(file) && existsSync(file) && statSync(file).isFile() && !file.endsWith(`${sep}index.html`)) {
      const hashed = path.startsWith('/assets/');
      res.setHeader('Cache-Control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.type(TYPES[extname(file)] ?? 'application/octet-stream');
      res.send(readFileSync(file));
      return;
    }
    if (path.startsWith('/assets/') || (extname(path) && extname(path) !== '.html')) {
      res.setHeader('Cache-Control', 'no-store');
      res.status(404).type('text/plain').send('not found');
      return;
    }
    const html = indexHtml();
    res.setHeader('Cache-Control', 'no-store');
    if (!html) {
      res.status(503).type('text/plain').send('The console is not built yet: run `npm run build` (npm start does it), then reload.');
      return;
    }
    res.status(200).type('text/html; charset=utf-8').send(html.split(NONCE_PLACEHOLDER).join(nonce));
  };
}
