import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { exportAudience } from '../export/audienceExport.ts';
import type { AudienceKind, AudienceRequest } from '../export/audiences.ts';
import { EXPORT_FORMATS } from '../export/outputFormat.ts';
import { PSEUDONYM_KEY_ENV } from '../export/pseudonym.ts';
import { exportProfiles } from '../export/profilesExport.ts';

/** Flags of `export` that only make sense for audience files, with their commander keys. */
const AUDIENCE_ONLY_FLAGS: ReadonlyArray<[key: string, flag: string]> = [
  ['segment', '--segment'],
  ['rfmSegment', '--rfm-segment'],
  ['lifecycle', '--lifecycle'],
  ['priority', '--priority'],
  ['columns', '--columns'],
  ['format', '--format'],
  ['pseudonymize', '--pseudonymize'],
  ['suppress', '--suppress'],
  ['bom', '--bom'],
];

/**
 * `segmenta export`: an audience file from a run directory (see
 * docs/export.md), or with `--profiles` the segment profile sheet.
 */
export function registerExport(program: Command, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  // The audience filters in the order they were typed, across the three flags:
  // that order is the default priority. Commander calls the parser once per
  // value, left to right.
  const requests: AudienceRequest[] = [];
  const collect = (kind: AudienceKind) => (value: string, previous: string[] | undefined) => {
    requests.push({ kind, value });
    return [...(previous ?? []), value];
  };
  program
    .command('export')
    .description('write an audience file (CSV, JSON or Parquet) or the segment profile sheet from a run directory')
    .requiredOption('--run <dir>', 'a run directory written by discover or refresh')
    .requiredOption('--out <file>', 'the file to write (audience), or a directory or .md/.html name (--profiles)')
    .option('--segment <nameOrId...>', 'segments by name or id (repeatable)', collect('segment'))
    .option('--rfm-segment <name...>', 'RFM segments, e.g. "At Risk" (repeatable)', collect('rfm'))
    .option('--lifecycle <stage...>', 'lifecycle stages: new, active, reactivated, at_risk, inactive (repeatable)', collect('lifecycle'))
    .option('--priority <order>', 'which audience wins for a customer in several: given (command-line order) or kinds, e.g. lifecycle,rfm,segment', 'given')
    .option('--columns <list>', 'columns to write, comma-separated (default: customer_id,segment_id,segment_name, plus audience for several audiences)')
    .option('--format <format>', `${EXPORT_FORMATS.join(', ')} (arrow: an Arrow IPC / Feather v2 file; default: from the --out extension, else csv)`)
    .option('--pseudonymize', `replace customer ids with HMAC-SHA256 keyed by $${PSEUDONYM_KEY_ENV}`)
    .option('--suppress <file>', 'customers never to export: one id per line, or a CSV with a customer_id column')
    .option('--bom', 'start the CSV with a UTF-8 byte order mark (for Excel)')
    .option('--profiles', 'write the segment profile sheet (profiles.md and profiles.html) instead of an audience file')
    .option('--lang <lang>', 'language of the profile sheet: en or de (default en)')
    .option('--debug', 'show stack traces')
    .action(async (flags: Record<string, unknown>) => {
      if (flags.profiles) {
        const given = AUDIENCE_ONLY_FLAGS.filter(([key]) => flags[key] !== undefined && !(key === 'priority' && flags[key] === 'given'));
        if (given.length > 0) throw new InputError(`--profiles writes the profile sheet; ${given.map(([, flag]) => flag).join(', ')} apply to audience files only`);
        const result = await exportProfiles({ run: String(flags.run), out: String(flags.out), lang: flags.lang as string | undefined });
        io.stdout.write(`profile sheet (${result.manifestData.lang}, ${result.manifestData.segments} segments): ${result.markdown}\n` + `printable: ${result.html}\n` + `manifest: ${result.manifest}\n`);
        return;
      }
      if (flags.lang !== undefined) throw new InputError('--lang only applies to --profiles');
      const result = await exportAudience({
        run: String(flags.run),
        out: String(flags.out),
        audiences: requests,
        priority: flags.priority as string | undefined,
        columns: flags.columns as string | undefined,
        format: flags.format as string | undefined,
        pseudonymize: flags.pseudonymize === true,
        suppress: flags.suppress as string | undefined,
        bom: flags.bom === true,
      });
      for (const warning of result.warnings) io.stderr.write(`segmenta: warning: ${warning}\n`);
      const { rows, file, suppression, pseudonymized } = result.manifest;
      const customers = (n: number) => `${n} customer${n === 1 ? '' : 's'}`;
      const lines = [`audience file: ${result.out} (${customers(rows.exported)}, ${file.format}${pseudonymized ? ', pseudonymised ids' : ''})`];
      for (const [label, n] of Object.entries(rows.by_audience)) lines.push(`  ${label}: ${n}`);
      if (rows.in_several_audiences > 0) lines.push(`in several audiences, placed by priority (${result.manifest.filters.priority}): ${rows.in_several_audiences}`);
      if (suppression) {
        lines.push(`suppressed: ${customers(rows.suppressed)} on the suppression list (${suppression.ids} ids on it, ${suppression.ids_not_in_run} not in this run)`);
      }
      lines.push(`manifest: ${result.manifestPath}`);
      io.stdout.write(`${lines.join('\n')}\n`);
    });
}
