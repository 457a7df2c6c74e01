import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { DiscoverOptionsSchema, parseOptions } from '../config.ts';
import { DEFAULT_MEMORY_LIMIT, openDatabase } from '../db/database.ts';
import { ingest } from '../ingest/index.ts';
import { publishDirectory } from '../publish/atomicDirectory.ts';
import { holdoutChart, holdoutPage } from '../report/valueValidation.ts';
import { stageLines } from '../staging/index.ts';
import { VALUE_OPTION_FIELDS, withValueModelFlags } from '../value/options.ts';
import { holdoutTable, validateHoldout } from '../value/validate.ts';

/** The options of `validate-value`: discover's input flags, the two period ends, the model and an optional output directory. */
const ValidateValueOptionsSchema = DiscoverOptionsSchema.pick({
  input: true,
  map: true,
  delimiter: true,
  encoding: true,
  header: true,
  memoryLimit: true,
  tempDirectory: true,
  threads: true,
}).extend({
  calibrationEnd: DiscoverOptionsSchema.shape.asOf.unwrap(),
  holdoutEnd: DiscoverOptionsSchema.shape.asOf,
  out: z.string().min(1).optional(),
  valueModel: VALUE_OPTION_FIELDS.valueModel,
  valueTimeUnit: VALUE_OPTION_FIELDS.valueTimeUnit,
});

/**
 * `segmenta validate-value`: fits the transaction model on the purchases up
 * to `--calibration-end` and compares its predictions for the holdout (to
 * `--holdout-end`, default the latest purchase) with the actual repeat
 * purchases; prints a table, and with `--out DIR` writes validation.json,
 * validation.svg and validation.html.
 */
export function registerValidateValue(program: Command, io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }): void {
  withValueModelFlags(
    program
      .command('validate-value')
      .description('check the value model: fit up to a calibration end, predict the holdout, compare with what customers did')
      .requiredOption('--input <file>', 'purchase transactions (as for discover)')
      .requiredOption('--calibration-end <date>', 'last day of the calibration period (YYYY-MM-DD)')
      .option('--holdout-end <date>', 'last day of the holdout period (default: the latest purchase)')
      .option('--out <dir>', 'write validation.json, validation.svg and validation.html here (replaced atomically)')
      .option('--map <pairs>', 'map canonical columns to source columns: customer_id=Kunde,order_date=Datum')
      .option('--delimiter <char>', 'CSV delimiter (default: detected); "tab", or "whitespace"')
      .option('--encoding <name>', 'CSV encoding: utf-8, utf-16 or latin-1')
      .option('--no-header', 'the CSV has no header line (columns are column0, column1, …)')
      .option('--memory-limit <size>', `DuckDB memory limit; beyond it DuckDB spills to disk (default ${DEFAULT_MEMORY_LIMIT}: 10M lines stay under 2 GB of RAM; more, e.g. 8GB, runs faster on a machine that has it)`)
      .option('--temp-directory <dir>', 'where DuckDB spills beyond the memory limit (default: a directory of its own under the OS temp directory, removed afterwards)')
      .option('--threads <n>', 'DuckDB worker threads (default: all cores)'),
  )
    .option('--debug', 'show stack traces')
    .action(async (flags: Record<string, unknown>) => {
      const options = parseOptions(ValidateValueOptionsSchema, flags);
      const db = await openDatabase({ memoryLimit: options.memoryLimit, tempDirectory: options.tempDirectory, threads: options.threads });
      try {
        const input = await ingest(db.connection, options.input, {
          map: options.map,
          delimiter: options.delimiter,
          encoding: options.encoding,
          header: options.header,
        });
        // Staged up to the holdout end: every purchase of both periods is a used line.
        const staged = await stageLines(db.connection, input, { asOf: options.holdoutEnd });
        const validation = await validateHoldout(db.connection, {
          calibrationEnd: options.calibrationEnd,
          holdoutEnd: staged.asOf,
          model: options.valueModel,
          timeUnit: options.valueTimeUnit,
        });
        io.stdout.write(holdoutTable(validation));
        if (options.out) {
          const out = resolve(options.out);
          const svg = await holdoutChart(validation);
          await publishDirectory(out, async (dir) => {
            writeFileSync(join(dir, 'validation.json'), `${JSON.stringify(validation, null, 2)}\n`);
            writeFileSync(join(dir, 'validation.svg'), `${svg}\n`);
            writeFileSync(join(dir, 'validation.html'), holdoutPage(validation, svg));
          });
          io.stdout.write(`validation: ${join(out, 'validation.html')}\n`);
        }
      } finally {
        db.close();
      }
    });
}
