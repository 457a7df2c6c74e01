import type { Command } from 'commander';
import { InputError, show } from '../errors.ts';
import { explainCustomer } from '../explain/explainCustomer.ts';
import { renderExplanation } from '../explain/render.ts';

/** Output formats of `segmenta explain`. */
export const EXPLAIN_FORMATS = ['table', 'json'] as const;

/** `segmenta explain --run DIR --customer ID`: why one customer is in its segment. */
export function registerExplain(program: Command, io: { stdout: NodeJS.WritableStream }): void {
  program
    .command('explain')
    .description('show why a customer is in its segment: features vs. the segment profile, distance to every centroid (every k-prototypes prototype for runs found on firmographics), RFM and lifecycle')
    .requiredOption('--run <dir>', 'a run directory written by discover or refresh')
    .requiredOption('--customer <id>', 'the customer id, as in customers.csv')
    .option('--format <format>', `output: ${EXPLAIN_FORMATS.join(' or ')} (json for scripts)`, 'table')
    .option('--debug', 'show stack traces')
    .action(async (flags: { run: string; customer: string; format: string }) => {
      if (!(EXPLAIN_FORMATS as readonly string[]).includes(flags.format)) {
        throw new InputError(`--format ${show(flags.format)}: expected ${EXPLAIN_FORMATS.join(' or ')}`);
      }
      const explanation = await explainCustomer(flags.run, flags.customer);
      if (flags.format === 'json') {
        io.stdout.write(`${JSON.stringify(explanation, null, 2)}\n`);
        return;
      }
      // Bold headings only where a person reads them; pipes and logs get plain text.
      const tty = (io.stdout as NodeJS.WriteStream).isTTY === true;
      const columns = (io.stdout as NodeJS.WriteStream).columns;
      io.stdout.write(
        renderExplanation(explanation, {
          color: tty && !process.env.NO_COLOR,
          width: tty && columns ? Math.max(60, Math.min(columns, 100)) : 80,
        }),
      );
    });
}
