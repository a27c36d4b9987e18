/**
 * npm run verify -- [--json] [--show-all] [--prefix p] [--local]
 *
 * Compares Relatel's contacts with the sync state and reports drift: missing (never synced),
 * stale (GHL has an older body than Relatel's data maps to), orphaned (Relatel deleted it, GHL
 * still has it). Exit code 1 when there is drift. Ids only, no contact details.
 * Mapping: MAPPING_CONFIG (the same JSON the consumers get from the `mapping` context key).
 */
import { DynamoSyncStateStore } from '../lib/aws/dynamo-sync-state.js';
import { parseMappingConfig } from '../lib/mapping/config.js';
import { hasDrift, verifyContacts, type Drift } from '../lib/ops/verify.js';
import { awsClients, parseFlags, relatelFromEnvironment, runCommand, syncTableName } from './common.js';

const USAGE = `Usage: npm run verify -- [--json] [--show-all] [--prefix <resourcePrefix>] [--local]`;
const SHOWN_PER_KIND = 20;

await runCommand(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    json: { type: 'boolean', default: false },
    'show-all': { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const relatel = relatelFromEnvironment();
  const mapping = parseMappingConfig(process.env.MAPPING_CONFIG);
  const aws = await awsClients(values.local);
  try {
    const report = await verifyContacts({ relatel, state: new DynamoSyncStateStore(aws.dynamo, syncTableName(values.prefix)), mapping });
    if (values.json) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      console.log(`Relatel contacts: ${report.relatelContacts}, sync states: ${report.syncStates}, in sync: ${report.inSync} (${aws.where})`);
      const show = (title: string, drifts: Drift[], repair: string) => {
        console.log(`${title}: ${drifts.length}${drifts.length ? `  -> ${repair}` : ''}`);
        for (const drift of values['show-all'] ? drifts : drifts.slice(0, SHOWN_PER_KIND)) {
          console.log(`  relatel ${drift.relatelId}${drift.ghlId ? ` ghl ${drift.ghlId}` : ''}  ${drift.reason}`);
        }
        if (!values['show-all'] && drifts.length > SHOWN_PER_KIND) console.log(`  ... ${drifts.length - SHOWN_PER_KIND} more (--show-all)`);
      };
      show('missing', report.missing, 'npm run backfill');
      show('stale', report.stale, 'npm run backfill');
      show('orphaned', report.orphaned, 'see docs/RUNBOOK.md#verify-drift');
    }
    return hasDrift(report) ? 1 : 0;
  } finally {
    aws.destroy();
  }
});
