import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError, show } from '../errors.ts';
import { writeReport } from '../report/index.ts';

/** `segmenta report --run DIR`: (re)builds report.html from a run directory. */
export function registerReport(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('report')
    .description('rebuild report.html of a run directory')
    .requiredOption('--run <dir>', 'a run directory written by discover or refresh')
    .option('--debug', 'show stack traces')
    .action(async (flags: { run: string }) => {
      const dir = resolve(flags.run);
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`--run ${show(flags.run)}: no such run directory`);
      for (const file of ['segments.json', 'manifest.json', 'customers.parquet']) {
        if (!existsSync(join(dir, file))) throw new InputError(`--run ${show(flags.run)}: not a run directory, ${file} is missing`);
      }
      await writeReport(dir);
      io.stdout.write(`report: ${join(dir, 'report.html')}\n`);
    });
}
