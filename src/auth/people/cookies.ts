/** Minimal cookie parsing and the console's cookie attributes (no dependency needed for two cookies). */
export const SESSION_COOKIE = 'sh_session';
export const FLOW_COOKIE = 'sh_flow';

export function readCookie(header: string | string[] | undefined, name: string): string | null {
  const raw = Array.isArray(header) ? header.join(';') : header;
  if (!raw) return null;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    if (part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return null;
      }
    }
  }
  return null;
}

export interface CookieOptions {
  secure: boolean;
  /** Strict for the session; Lax for the short OIDC flow cookie, which must survive the IdP's redirect back. */
  sameSite: 'Strict' | 'Lax';
  maxAgeSeconds?: number;
  path?: string;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${o.path ?? '/'}`, 'HttpOnly', `SameSite=${o.sameSite}`];
  if (o.secure) parts.push('Secure');
  if (o.maxAgeSeconds !== undefined) parts.push(`Max-Age=${o.maxAgeSeconds}`);
  return parts.join('; ');
}

export function clearCookie(name: string, o: Omit<CookieOptions, 'maxAgeSeconds'>): string {
  return serializeCookie(name, '', { ...o, maxAgeSeconds: 0 });
}

/** Secure when configured so, or (auto) when the request came over TLS, directly or through a proxy. */
export function isSecureRequest(
  setting: 'auto' | boolean,
  req: { secure?: boolean; headers: Record<string, string | string[] | undefined> },
): boolean {
  if (setting !== 'auto') return setting;
  const proto = req.headers['x-forwarded-proto'];
  return Boolean(req.secure) || (typeof proto === 'string' && proto.split(',')[0]!.trim() === 'https');
}
