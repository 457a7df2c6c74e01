/**
 * The segment profile sheet as one printable HTML page (`profiles.html`):
 * self-contained (no scripts, fonts or network), A4 print styles, each
 * segment kept on one page where it fits.
 */
import { escapeHtml } from '../report/escape.ts';
import { formatNumber, formatShare } from '../segments/i18n.ts';
import type { ProfileSheet, SheetSegment } from './profileSheet.ts';
import { SHEET_WORDS as W, sheetIntro } from './sheetWords.ts';

const STYLE = `
  :root { color-scheme: light; }
  body { font: 11pt/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1b1b1b; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.25rem; margin: 0 0 .6rem; border-bottom: 2px solid #2b6cb0; padding-bottom: .2rem; }
  h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
  table { border-collapse: collapse; margin: .4rem 0 .8rem; }
  th, td { padding: .25rem .7rem; border-bottom: 1px solid #ddd; text-align: left; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  section.segment { margin: 1.6rem 0; break-inside: avoid; page-break-inside: avoid; }
  p.note { background: #fff4e5; border-left: 4px solid #dd6b20; padding: .4rem .7rem; }
  ul, ol { margin: .2rem 0; padding-left: 1.4rem; }
  .intro { color: #555; }
  @page { size: A4; margin: 16mm 14mm; }
  @media print { body { margin: 0; max-width: none; } section.segment { break-before: page; } }
`;

/** Renders the whole sheet as a standalone HTML document. */
export function renderProfilesHtml(sheet: ProfileSheet): string {
  const { lang } = sheet;
  const rows = sheet.segments
    .map((s) => `<tr><td>${escapeHtml(s.id)} · ${escapeHtml(s.name)}</td>${figures(s, sheet)}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(W.title[lang])}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(W.title[lang])}</h1>
<p class="intro">${escapeHtml(sheetIntro(lang, sheet.customers, sheet.segments.length, sheet.as_of))}</p>
<h2>${escapeHtml(W.overview[lang])}</h2>
<table>
<thead><tr><th>${W.segment[lang]}</th>${figureHeads(sheet)}</tr></thead>
<tbody>
${rows}
</tbody>
</table>
${sheet.segments.map((s) => renderSegment(s, sheet)).join('\n')}
</body>
</html>
`;
}

function figureHeads(sheet: ProfileSheet): string {
  const { lang } = sheet;
  return [W.customers[lang], W.share[lang], W.revenueShare[lang]].map((h) => `<th class="n">${escapeHtml(h)}</th>`).join('');
}

function figures(s: SheetSegment, sheet: ProfileSheet): string {
  const { lang } = sheet;
  return [formatNumber(s.size, lang, { digits: 0 }), formatShare(s.share, lang), formatShare(s.revenue_share, lang)]
    .map((v) => `<td class="n">${escapeHtml(v)}</td>`)
    .join('');
}

function renderSegment(s: SheetSegment, sheet: ProfileSheet): string {
  const { lang } = sheet;
  const traits =
    s.traits.length === 0
      ? `<p>${escapeHtml(W.noTraits[lang])}</p>`
      : `<ul>${s.traits
          .map((t) => `<li><strong>${escapeHtml(t.trait)}</strong> — ${escapeHtml(t.label)}: ${escapeHtml(t.segment)} (${escapeHtml(W.allCustomers[lang])}: ${escapeHtml(t.all)})</li>`)
          .join('')}</ul>`;
  return `<section class="segment" id="segment-${escapeHtml(s.id)}">
<h2>${escapeHtml(s.id)} · ${escapeHtml(s.name)}</h2>
<table><thead><tr>${figureHeads(sheet)}</tr></thead><tbody><tr>${figures(s, sheet)}</tr></tbody></table>
${s.unstable ? `<p class="note">${escapeHtml(W.unstable[lang])}</p>` : ''}
<p>${escapeHtml(s.description)}</p>
<h3>${escapeHtml(W.traits[lang])}</h3>
${traits}
<h3>${escapeHtml(W.actions[lang])}</h3>
<ol>${s.actions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ol>
</section>`;
}
