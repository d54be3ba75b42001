/**
 * The recipient's language as an affected-individuals list gives it, and the languages notices
 * have their own reviewed templates for. Anything else is written in English (the fallback).
 */
export const NOTICE_LANGUAGES = ['en', 'es'] as const;
export type NoticeLanguage = (typeof NOTICE_LANGUAGES)[number];
export const FALLBACK_LANGUAGE: NoticeLanguage = 'en';

const NAMES: Record<string, string> = {
  english: 'en',
  eng: 'en',
  ingles: 'en',
  spanish: 'es',
  spa: 'es',
  espanol: 'es',
  castellano: 'es',
};

/**
 * "Spanish", "español", "es-MX", "SPA" → "es"; any ISO 639-1 code (with or without a region) →
 * that code; anything else → null (the person is written to in English).
 */
export function languageCode(value: string): string | null {
  const v = value
    .trim()
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');
  if (v === '') return null;
  if (NAMES[v]) return NAMES[v]!;
  const m = /^([a-z]{2})(?:[-_][a-z0-9]{2,3})?$/.exec(v);
  return m ? m[1]! : null;
}

/** The language a notice is written in for a recipient: theirs when templates exist, else English. */
export function noticeLanguageOf(code: string | undefined | null): NoticeLanguage {
  return (NOTICE_LANGUAGES as readonly string[]).includes(code ?? '') ? (code as NoticeLanguage) : FALLBACK_LANGUAGE;
}
