import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MASTER_COLUMN_SYNONYMS } from '../../src/customers/columns.ts';
import { MASTER_REJECT_REASONS } from '../../src/customers/master.ts';
import { WZ_SECTIONS } from '../../src/firmographics/wz2008.ts';
import { loadPriorityRules } from '../../src/rules/priority.ts';

const doc = readFileSync(new URL('../../docs/b2b.md', import.meta.url), 'utf8');

describe('docs/b2b.md', () => {
  it('lists the reject reasons, synonyms and WZ sections exactly as the code has them', () => {
    for (const { reason, meaning } of MASTER_REJECT_REASONS) expect(doc).toContain(`| \`${reason}\` | ${meaning} |`);
    for (const [column, names] of Object.entries(MASTER_COLUMN_SYNONYMS)) expect(doc).toContain(`| \`${column}\` | ${names.join(', ')} |`);
    for (const [letter, section] of Object.entries(WZ_SECTIONS)) {
      const [from, to] = section.divisions.map((d) => String(d).padStart(2, '0'));
      expect(doc).toContain(`| ${letter} | ${from === to ? from : `${from}–${to}`} | ${section.name.en} | ${section.name.de} |`);
    }
  });

  it('says the demo master is synthetic, and its example priority file is the one shipped', () => {
    expect(doc).toContain('**The demo customer master is synthetic.**');
    const shipped = loadPriorityRules(new URL('../../config/priority.example.json', import.meta.url).pathname).rules;
    const shown = JSON.parse(doc.split('```json\n')[2]!.split('```')[0]!).rules;
    expect(shown).toEqual(shipped.map(({ about: _about, ...rule }) => rule));
  });
});
