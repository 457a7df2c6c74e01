import { renderActionRulesMarkdown } from '../segments/actions.ts';
import { renderFeatureTableMarkdown } from '../segments/features.ts';
import { renderArchetypeTableMarkdown } from '../segments/naming.ts';
import { renderRfmGridMarkdown, renderRfmSegmentsMarkdown } from '../segments/rfmSegments.ts';
import { LIFECYCLE_STAGES } from '../rules/lifecycle.ts';
import { NON_PRODUCT_CODES, NON_PRODUCT_PREFIXES, REJECT_REASONS, DATE_FORMATS } from '../rules/cleaning.ts';
import { COLUMN_SYNONYMS } from '../ingest/columns.ts';
import { DOCUMENTED_COMMANDS, renderFlagTableMarkdown } from './flagTables.ts';

/**
 * README sections rendered from the code's own rule tables, so the
 * documentation cannot drift from what runs. `npm run docs` writes them
 * between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; a test
 * fails when the README is stale.
 */
export function readmeSections(): Record<string, string> {
  return {
    features: renderFeatureTableMarkdown('en'),
    'rfm-grid': renderRfmGridMarkdown('en'),
    'rfm-segments': renderRfmSegmentsMarkdown('en'),
    lifecycle: table(['order', 'stage', 'rule'], LIFECYCLE_STAGES.map((s, i) => [String(i + 1), `\`${s.stage}\``, s.rule])),
    archetypes: renderArchetypeTableMarkdown('en'),
    actions: renderActionRulesMarkdown('en'),
    'reject-reasons': table(
      ['reason', 'meaning'],
      Object.entries(REJECT_REASONS).map(([reason, meaning]) => [`\`${reason}\``, meaning]),
    ),
    'non-product': `Product codes (case-insensitive): ${NON_PRODUCT_CODES.map((c) => `\`${c}\``).join(', ')}; prefixes: ${NON_PRODUCT_PREFIXES.map((p) => `\`${p}*\``).join(', ')}.`,
    'date-formats': `ISO-8601 first (\`2011-12-09\`, \`2011-12-09 12:50:00\`, \`2011-12-09T12:50:00\`), then: ${DATE_FORMATS.map((f) => `\`${f}\``).join(', ')}.`,
    ...Object.fromEntries(DOCUMENTED_COMMANDS.map((name) => [`flags-${name}`, renderFlagTableMarkdown(name)])),
    synonyms: table(
      ['canonical column', 'recognised source names (case, spaces, `_`, `-`, `.` ignored)'],
      Object.entries(COLUMN_SYNONYMS).map(([canonical, names]) => [`\`${canonical}\``, names.join(', ')]),
    ),
  };
}

function table(header: string[], rows: string[][]): string {
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** Replaces every generated section of a README text with its current rendering. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, body] of Object.entries(readmeSections())) {
    const pattern = new RegExp(`(<!-- generated:${name} -->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!pattern.test(out)) throw new Error(`README has no generated section ${name}`);
    out = out.replace(pattern, (_, open: string, close: string) => `${open}${body}\n${close}`);
  }
  return out;
}
