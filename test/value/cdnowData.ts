import { fileURLToPath } from 'node:url';

/** The raw CDNOW sample (2,357 customers; see data/README.md). */
export const CDNOW = fileURLToPath(new URL('../../data/CDNOW_sample.txt', import.meta.url));

/** The ingest options that read the raw CDNOW file: master id, date, CDs, dollars. */
export const CDNOW_FLAGS = {
  delimiter: 'whitespace',
  header: false,
  map: 'customer_id=column0,order_date=column2,quantity=column3,amount=column4',
} as const;

/** The same as command-line flags. */
export const CDNOW_ARGS = [
  '--input',
  CDNOW,
  '--delimiter',
  'whitespace',
  '--no-header',
  '--map',
  CDNOW_FLAGS.map,
];
