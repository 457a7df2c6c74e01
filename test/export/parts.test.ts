import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { tableFromIPC } from 'apache-arrow';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/database.ts';
import { queryRows } from '../../src/db/query.ts';
import { InputError } from '../../src/errors.ts';
import { findLifecycleStage, findRfmSegment, findSegment, resolveAudiences } from '../../src/export/audiences.ts';
import { resolveColumns } from '../../src/export/columns.ts';
import { resolveFormat } from '../../src/export/outputFormat.ts';
import { writeArrowFile } from '../../src/export/arrowFile.ts';
import { orderAudiences, parsePriority } from '../../src/export/priority.ts';
import { archetypeOfName, localizedName } from '../../src/export/profileSheet.ts';
import { profilePaths } from '../../src/export/profilesExport.ts';
import { escapeMarkdown } from '../../src/export/profilesMarkdown.ts';
import { keyFingerprint, pseudonymize, readPseudonymKey } from '../../src/export/pseudonym.ts';
import { loadSuppressionList } from '../../src/export/suppression.ts';
import { FEATURES, FEATURE_NAMES } from '../../src/segments/features.ts';
import { ARCHETYPES } from '../../src/segments/naming.ts';
import { tempDir } from '../helpers/files.ts';

const SEGMENTS = [
  { id: 0, name: 'Loyal regulars' },
  { id: 1, name: `Bob's "best"; DROP TABLE x; --` },
  { id: 2, name: '3' },
  { id: 3, name: 'Returners' },
];

describe('audience filters', () => {
  it('finds a segment by exact name, by id, and by name ignoring case and spaces', () => {
    expect(findSegment('Loyal regulars', SEGMENTS).id).toBe(0);
    expect(findSegment('1', SEGMENTS).id).toBe(1);
    expect(findSegment('  loyal REGULARS ', SEGMENTS).id).toBe(0);
    expect(findSegment(`Bob's "best"; DROP TABLE x; --`, SEGMENTS).id).toBe(1);
  });

  it('prefers an exact name over an id: a segment named "3" is not segment 3', () => {
    expect(findSegment('3', SEGMENTS).id).toBe(2);
  });

  it('names the value and lists the valid segments when nothing matches', () => {
    expect(() => findSegment('Champions', SEGMENTS)).toThrow(InputError);
    expect(() => findSegment('Champions', SEGMENTS)).toThrow(/^--segment "Champions": no such segment in this run; expected a name or id of: 0 "Loyal regulars", 1 .*3 "Returners"$/);
    expect(() => findSegment('9', SEGMENTS)).toThrow(/--segment "9"/);
  });

  it('reads RFM segments leniently, in English or German, and lists all eleven otherwise', () => {
    expect(findRfmSegment('At Risk')).toBe('At Risk');
    expect(findRfmSegment('at-risk')).toBe('At Risk');
    expect(findRfmSegment('cant lose them')).toBe("Can't Lose Them");
    expect(findRfmSegment('Verloren')).toBe('Lost');
    expect(() => findRfmSegment('Whales')).toThrow(/^--rfm-segment "Whales": no such RFM segment; expected one of: Champions, Loyal, .*Lost$/);
    expect(() => findRfmSegment('')).toThrow(InputError);
  });

  it('reads lifecycle stages by id or label', () => {
    expect(findLifecycleStage('inactive')).toBe('inactive');
    expect(findLifecycleStage('At Risk')).toBe('at_risk');
    expect(findLifecycleStage('at-risk')).toBe('at_risk');
    expect(findLifecycleStage('inaktiv')).toBe('inactive');
    expect(() => findLifecycleStage('dormant')).toThrow(/^--lifecycle "dormant": no such lifecycle stage; expected one of: inactive, at_risk, new, reactivated, active$/);
  });

  it('keeps an audience asked for twice once, at its first position', () => {
    const audiences = resolveAudiences(
      [
        { kind: 'segment', value: '0' },
        { kind: 'lifecycle', value: 'inactive' },
        { kind: 'segment', value: 'Loyal regulars' },
      ],
      SEGMENTS,
    );
    expect(audiences.map((a) => [a.label, a.position])).toEqual([
      ['segment:Loyal regulars', 0],
      ['lifecycle:inactive', 1],
    ]);
  });
});

describe('priority', () => {
  const audiences = resolveAudiences(
    [
      { kind: 'segment', value: '0' },
      { kind: 'lifecycle', value: 'inactive' },
      { kind: 'rfm', value: 'At Risk' },
      { kind: 'segment', value: 'returners' },
    ],
    SEGMENTS,
  );

  it('given: command-line order', () => {
    expect(orderAudiences(audiences, parsePriority('given')).map((a) => a.label)).toEqual(['segment:Loyal regulars', 'lifecycle:inactive', 'rfm:At Risk', 'segment:Returners']);
    expect(parsePriority(undefined)).toEqual({ rule: 'given' });
  });

  it('kinds: listed kinds first in that order, command-line order within a kind, unlisted kinds last', () => {
    expect(orderAudiences(audiences, parsePriority('lifecycle,rfm,segment')).map((a) => a.label)).toEqual([
      'lifecycle:inactive',
      'rfm:At Risk',
      'segment:Loyal regulars',
      'segment:Returners',
    ]);
    expect(orderAudiences(audiences, parsePriority('rfm')).map((a) => a.label)).toEqual(['rfm:At Risk', 'segment:Loyal regulars', 'lifecycle:inactive', 'segment:Returners']);
    expect(parsePriority(' RFM-Segment , lifecycle ')).toEqual({ rule: 'kinds', kinds: ['rfm', 'lifecycle'] });
  });

  it('rejects unknown and repeated kinds', () => {
    expect(() => parsePriority('lifecycle,country')).toThrow(/^--priority "lifecycle,country": unknown kind "country"; expected given, or a comma-separated order of: segment, rfm, lifecycle$/);
    expect(() => parsePriority('rfm,rfm')).toThrow(/rfm is listed twice/);
  });
});

describe('columns', () => {
  const available = ['customer_id', 'segment_id', 'segment_name', 'revenue', 'country'];

  it('defaults to the id and the segment, plus audience for two or more audiences', () => {
    expect(resolveColumns(undefined, available, 0)).toEqual(['customer_id', 'segment_id', 'segment_name']);
    expect(resolveColumns(undefined, available, 1)).toEqual(['customer_id', 'segment_id', 'segment_name']);
    expect(resolveColumns(undefined, available, 2)).toEqual(['customer_id', 'segment_id', 'segment_name', 'audience']);
  });

  it('writes exactly what was asked for, customer_id first, repeats dropped, names matched ignoring case', () => {
    expect(resolveColumns('revenue, Country,revenue,customer_id', available, 0)).toEqual(['customer_id', 'revenue', 'country']);
    expect(resolveColumns('audience', available, 1)).toEqual(['customer_id', 'audience']);
  });

  it('rejects unknown, empty and hostile names with the valid list', () => {
    expect(() => resolveColumns('revenue,email', available, 0)).toThrow(/^--columns: unknown column "email"; expected a comma-separated list of: customer_id, segment_id, segment_name, revenue, country$/);
    expect(() => resolveColumns('x"; DROP TABLE t; --', available, 0)).toThrow(/unknown column "x\\"; DROP TABLE t; --"/);
    expect(() => resolveColumns('revenue,,country', available, 0)).toThrow(/empty column name/);
    expect(() => resolveColumns('audience', available, 0)).toThrow(/audience needs --segment, --rfm-segment or --lifecycle/);
  });
});

describe('pseudonyms', () => {
  it('are HMAC-SHA256 as lower-case hex (RFC 4231 test case 2)', () => {
    expect(pseudonymize('what do ya want for nothing?', Buffer.from('Jefe'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('depend on the key, and the fingerprint tells keys apart', () => {
    const a = Buffer.from('a'.repeat(32));
    const b = Buffer.from('b'.repeat(32));
    expect(pseudonymize('17850', a)).not.toBe(pseudonymize('17850', b));
    expect(pseudonymize('17850', a)).toBe(createHmac('sha256', a).update('17850').digest('hex'));
    expect(keyFingerprint(a)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(a)).not.toBe(keyFingerprint(b));
  });

  it('need a key: unset, empty or blank is an InputError; a short key comes with a warning', () => {
    expect(() => readPseudonymKey({})).toThrow(/--pseudonymize needs a secret key in the environment variable SEGMENTA_PSEUDONYM_KEY/);
    expect(() => readPseudonymKey({ SEGMENTA_PSEUDONYM_KEY: '' })).toThrow(InputError);
    expect(() => readPseudonymKey({ SEGMENTA_PSEUDONYM_KEY: '  ' })).toThrow(InputError);
    expect(readPseudonymKey({ SEGMENTA_PSEUDONYM_KEY: 'short' }).warning).toMatch(/5 bytes; use at least 32/);
    expect(readPseudonymKey({ SEGMENTA_PSEUDONYM_KEY: 'k'.repeat(32) }).warning).toBeUndefined();
  });
});

describe('suppression lists', () => {
  async function load(content: string | Buffer): Promise<{ ids: string[]; shape: string; count: number }> {
    const path = join(tempDir(), 'suppress.txt');
    writeFileSync(path, content);
    return withDatabase({}, async ({ connection }) => {
      const list = await loadSuppressionList(connection, path, 'sup');
      const rows = await queryRows<{ customer_id: string }>(connection, 'SELECT customer_id FROM sup ORDER BY customer_id');
      return { ids: rows.map((r) => r.customer_id), shape: list.shape, count: list.ids };
    });
  }

  it('one id per line: blank lines, spaces, CRLF, a BOM, a header line and spreadsheet ".0" ids are handled', async () => {
    const result = await load('\uFEFFcustomer_id\r\n 17850 \r\n\r\n12347.0\r\nC-00017\n17850\n');
    expect(result).toEqual({ ids: ['12347', '17850', 'C-00017'], shape: 'lines', count: 3 });
  });

  it('without a header the first line is an id', async () => {
    expect((await load('17850\n12347\n')).ids).toEqual(['12347', '17850']);
  });

  it('a CSV: finds "Customer ID" among other columns, any of , ; tab |, with quoted fields', async () => {
    const csv = 'email;Customer ID;reason\n"a@x.example";17850;"objection; by letter"\nb@x.example;"C-1";\n';
    expect(await load(csv)).toEqual({ ids: ['17850', 'C-1'], shape: 'csv', count: 2 });
    expect((await load('customer_id,email\n12347,a@x\n')).ids).toEqual(['12347']);
  });

  it('takes off the apostrophe a segmenta CSV put before a formula-like id, but not before a negative number', async () => {
    expect((await load("'=HYPERLINK(1)\n'@x\n'+1\n'-x\n'-2\n")).ids).toEqual(["'-2", '+1', '-x', '=HYPERLINK(1)', '@x']);
  });

  it('a CSV without a customer_id column is an error naming its columns', async () => {
    await expect(load('email,reason\na@x,b\n')).rejects.toThrow(/--suppress ".*suppress.txt": a CSV needs a customer_id column \(or one id per line\); found columns: email, reason/);
  });

  it('a list that comes through a pipe is read once, also as a CSV', async () => {
    for (const [content, ids] of [['C-1\nC-2\n', ['C-1', 'C-2']], ['email;customer_id\na@x;C-3\n', ['C-3']]] as const) {
      const fifo = join(tempDir(), 'list.pipe');
      execFileSync('mkfifo', [fifo]);
      const writer = spawn('sh', ['-c', 'printf "$1" > "$2"', 'sh', content, fifo]);
      const closed = new Promise((resolve) => writer.on('close', resolve));
      const result = await withDatabase({}, async ({ connection }) => {
        const list = await loadSuppressionList(connection, fifo, 'sup');
        return { list, rows: await queryRows<{ customer_id: string }>(connection, 'SELECT customer_id FROM sup ORDER BY 1') };
      });
      await closed;
      expect(result.rows.map((r) => r.customer_id)).toEqual(ids);
    }
  });

  it('a missing file is an error', async () => {
    await expect(withDatabase({}, ({ connection }) => loadSuppressionList(connection, '/nonexistent/list.txt', 'sup'))).rejects.toThrow(/--suppress "\/nonexistent\/list.txt": no such file/);
  });
});

describe('output format', () => {
  it('comes from --format, else the extension, else csv', () => {
    expect(resolveFormat(undefined, 'a.csv')).toBe('csv');
    expect(resolveFormat(undefined, 'a.JSON')).toBe('json');
    expect(resolveFormat(undefined, 'a.parquet')).toBe('parquet');
    expect(resolveFormat(undefined, 'audience')).toBe('csv');
    expect(resolveFormat('parquet', 'a.csv')).toBe('parquet');
    expect(resolveFormat(undefined, 'a.feather')).toBe('arrow');
    expect(resolveFormat(undefined, 'a.arrow')).toBe('arrow');
    expect(() => resolveFormat('xlsx', 'a.csv')).toThrow(/^--format "xlsx": expected one of: csv, json, parquet, arrow$/);
    expect(() => resolveFormat(undefined, 'a.csv.gz')).toThrow(/compressed output is not supported/);
  });
});

describe('Arrow IPC file', () => {
  it('keeps DuckDB types, NULLs and the query order', async () => {
    const path = join(tempDir(), 't.arrow');
    await withDatabase({}, ({ connection }) =>
      writeArrowFile(
        connection,
        `SELECT * FROM (VALUES
           ('b', 2::INTEGER, 20::BIGINT, 1.5::DOUBLE, DATE '2011-12-09', true, 12.25::DECIMAL(18,6), TIMESTAMP '2011-12-09 12:50:00'),
           (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
           ('Müller', -1::INTEGER, 9007199254740993::BIGINT, -0.25::DOUBLE, DATE '1999-01-01', false, -3.5::DECIMAL(18,6), TIMESTAMP '1999-01-01 00:00:01')
         ) AS t(id, n, big, x, day, flag, amount, stamp)`,
        path,
        { run: 'r1' },
      ),
    );
    const table = tableFromIPC(readFileSync(path));
    expect(table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual([
      'id:Utf8',
      'n:Int32',
      'big:Int64',
      'x:Float64',
      'day:Date32<DAY>',
      'flag:Bool',
      'amount:Float64',
      'stamp:Timestamp<MILLISECOND>',
    ]);
    expect(table.schema.metadata.get('run')).toBe('r1');
    expect(table.getChild('id')!.toArray()).toEqual(['b', null, 'Müller']);
    expect([...table.getChild('n')!]).toEqual([2, null, -1]);
    expect([...table.getChild('big')!]).toEqual([20n, null, 9007199254740993n]);
    expect([...table.getChild('x')!]).toEqual([1.5, null, -0.25]);
    expect([...table.getChild('day')!].map((d) => (d === null ? null : new Date(d as number).toISOString().slice(0, 10)))).toEqual(['2011-12-09', null, '1999-01-01']);
    expect([...table.getChild('flag')!]).toEqual([true, null, false]);
    expect([...table.getChild('amount')!]).toEqual([12.25, null, -3.5]);
    expect([...table.getChild('stamp')!].map((t) => (t === null ? null : String(t)))).toEqual(['1323435000000', null, '915148801000']);
  });

  it('writes a valid empty file for an empty result', async () => {
    const path = join(tempDir(), 'e.arrow');
    await withDatabase({}, ({ connection }) => writeArrowFile(connection, 'SELECT 1::INTEGER AS a WHERE false', path));
    const table = tableFromIPC(readFileSync(path));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['a']);
  });
});

describe('profile sheet parts', () => {
  it('reads every archetype name, with and without a trait suffix, and translates it', () => {
    for (const archetype of ARCHETYPES) {
      expect(localizedName(archetypeOfName(archetype.name.en)!, 'de')).toBe(archetype.name.de);
      for (const feature of FEATURE_NAMES) {
        for (const wording of ['high', 'low', 'higher', 'lower'] as const) {
          const trait = FEATURES[feature].trait[wording];
          const known = archetypeOfName(`${archetype.name.en} (${trait.en})`);
          expect(known?.archetype.id).toBe(archetype.id);
          // Wordings can coincide between features; the translation must still be the same text.
          expect(localizedName(known!, 'de')).toBe(`${archetype.name.de} (${FEATURES[known!.trait!.feature].trait[known!.trait!.wording].de})`);
          expect(localizedName(known!, 'en')).toBe(`${archetype.name.en} (${trait.en})`);
        }
      }
    }
    expect(archetypeOfName('VIP (hand-picked)')).toBeUndefined();
    expect(archetypeOfName('Returners (hand-picked)')).toBeUndefined();
  });

  it('escapes Markdown formatting in names and texts', () => {
    expect(escapeMarkdown('<b>A|B</b> *x* [l](u) `c` #1')).toBe('\\<b\\>A\\|B\\</b\\> \\*x\\* \\[l\\](u) \\`c\\` \\#1');
  });

  it('writes into a directory, or beside a .md or .html name', () => {
    const dir = tempDir();
    expect(profilePaths(dir)).toEqual({ markdown: join(dir, 'profiles.md'), html: join(dir, 'profiles.html'), manifest: join(dir, 'profiles.manifest.json') });
    expect(profilePaths(join(dir, 'sheet.md'))).toEqual({ markdown: join(dir, 'sheet.md'), html: join(dir, 'sheet.html'), manifest: join(dir, 'sheet.manifest.json') });
    expect(profilePaths(join(dir, 'sheet.html')).markdown).toBe(join(dir, 'sheet.md'));
    writeFileSync(join(dir, 'taken.csv'), '');
    expect(() => profilePaths(join(dir, 'taken.csv'))).toThrow(/is a file; --profiles expects a directory or a .md or .html file name/);
  });
});
