/**
 * The segment profile sheet as Markdown (`profiles.md`), for wikis, tickets
 * and briefings.
 */
import { formatNumber, formatShare } from '../segments/i18n.ts';
import type { ProfileSheet, SheetSegment } from './profileSheet.ts';
import { SHEET_WORDS as W, sheetIntro } from './sheetWords.ts';

/**
 * Escapes the characters Markdown would read as formatting or HTML, so a
 * segment name like `<b>` or `A|B` prints as written.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** Renders the whole sheet. */
export function renderProfilesMarkdown(sheet: ProfileSheet): string {
  const { lang } = sheet;
  const lines: string[] = [`# ${W.title[lang]}`, '', sheetIntro(lang, sheet.customers, sheet.segments.length, sheet.as_of), ''];
  lines.push(`## ${W.overview[lang]}`, '');
  lines.push(`| ${W.segment[lang]} | ${W.customers[lang]} | ${W.share[lang]} | ${W.revenueShare[lang]} |`, '|---|---:|---:|---:|');
  for (const s of sheet.segments) {
    lines.push(`| ${escapeMarkdown(String(s.id))} · ${escapeMarkdown(s.name)} | ${formatNumber(s.size, lang, { digits: 0 })} | ${formatShare(s.share, lang)} | ${formatShare(s.revenue_share, lang)} |`);
  }
  lines.push('');
  for (const segment of sheet.segments) lines.push(...renderSegment(segment, sheet), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

function renderSegment(s: SheetSegment, sheet: ProfileSheet): string[] {
  const { lang } = sheet;
  const lines = [`## ${escapeMarkdown(String(s.id))} · ${escapeMarkdown(s.name)}`, ''];
  lines.push(
    `| ${W.customers[lang]} | ${W.share[lang]} | ${W.revenueShare[lang]} |`,
    '|---:|---:|---:|',
    `| ${formatNumber(s.size, lang, { digits: 0 })} | ${formatShare(s.share, lang)} | ${formatShare(s.revenue_share, lang)} |`,
    '',
  );
  if (s.unstable) lines.push(`> ${W.unstable[lang]}`, '');
  lines.push(escapeMarkdown(s.description), '');
  lines.push(`**${W.traits[lang]}**`, '');
  if (s.traits.length === 0) lines.push(W.noTraits[lang]);
  for (const t of s.traits) {
    lines.push(`- **${escapeMarkdown(t.trait)}** — ${escapeMarkdown(t.label)}: ${escapeMarkdown(t.segment)} (${W.allCustomers[lang]}: ${escapeMarkdown(t.all)})`);
  }
  lines.push('', `**${W.actions[lang]}**`, '');
  s.actions.forEach((action, i) => lines.push(`${i + 1}. ${escapeMarkdown(action)}`));
  return lines;
}
