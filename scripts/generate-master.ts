// Writes a synthetic German B2B customer master for the customers of a
// transaction file (default: the embedded Online Retail data), for the
// firmographics demo: `segmenta discover --customers <out> --segment-on both`.
// The firmographics are invented (src/firmographics/generateMaster.ts);
// see docs/b2b.md.
import { parseArgs } from 'node:util';
import { writeDemoMaster } from '../src/customers/demoMaster.ts';

const { values } = parseArgs({
  options: {
    input: { type: 'string', default: 'data/online_retail.csv.gz' },
    out: { type: 'string', default: 'data/demo_customer_master.csv' },
    seed: { type: 'string', default: '42' },
    'as-of': { type: 'string' },
    'with-planted-group': { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
if (!Number.isSafeInteger(seed) || seed < 0) {
  console.error(`generate-master: --seed must be an integer ≥ 0, got ${JSON.stringify(values.seed)}`);
  process.exitCode = 2;
} else {
  const master = await writeDemoMaster(values.input!, values.out!, {
    seed,
    asOf: values['as-of'],
    includePlantedGroup: values['with-planted-group'],
  });
  const groups = new Map<string, number>();
  for (const group of master.plantedGroups) groups.set(group, (groups.get(group) ?? 0) + 1);
  console.log(`synthetic customer master for ${master.records.length} customers of ${values.input}: ${values.out}`);
  console.log(`planted groups: ${[...groups].map(([group, n]) => `${group} ${n}`).join(', ')}`);
}
