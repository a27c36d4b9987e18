/**
 * npm run verify -- [--json] [--show-all] [--sample N] [--repair] [--skip-ghl] [--prefix p] [--local]
 *
 * Two checks, ids only, no contact details; exit code 1 when either finds drift:
 *  - Relatel's contacts against the sync state: missing (never synced), stale (GHL has an older
 *    body than Relatel's data maps to), orphaned (Relatel deleted it, GHL still has it);
 *  - GHL against the sync state: every linked record (or a random sample, --sample N) read from
 *    GHL: missing (deleted in GHL) or different (changed there). --repair enqueues the events
 *    that heal the contacts (lib/ops/verify-ghl.ts). Progress on stderr.
 * Mapping: MAPPING_CONFIG (the same JSON the consumers get from the `mapping` context key).
 * GHL: GHL_SECRET_ID (the stack's GHL credentials secret), GHL_BASE_URL; the requests share the
 * consumers' rate budget (the sync table), so verify never pushes GHL past its limit.
 */
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DynamoSyncStateStore } from '../lib/aws/dynamo-sync-state.js';
import { SqsQueueSender } from '../lib/aws/sqs-queue-sender.js';
import { queueName, type Entity } from '../lib/entities.js';
import { parseMappingConfig } from '../lib/mapping/config.js';
import { hasDrift, verifyContacts, type Drift } from '../lib/ops/verify.js';
import { hasGhlDrift, verifyGhl, type GhlDrift, type GhlDriftReport } from '../lib/ops/verify-ghl.js';
import { useLocalStack, awsClients, ghlClient, numberFlag, parseFlags, relatelFromEnvironment, runCommand, syncTableName, UsageError, type AwsClients } from './common.js';

const USAGE = `Usage: npm run verify -- [--json] [--show-all] [--sample <N>] [--repair] [--skip-ghl] [--prefix <resourcePrefix>] [--local]`;
const SHOWN_PER_KIND = 20;

await runCommand(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    json: { type: 'boolean', default: false },
    'show-all': { type: 'boolean', default: false },
    sample: { type: 'string' },
    repair: { type: 'boolean', default: false },
    'skip-ghl': { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  await useLocalStack(values.local, true);
  if (values['skip-ghl'] && (values.repair || values.sample !== undefined)) throw new UsageError('--repair and --sample read GHL: drop --skip-ghl');
  if (!values['skip-ghl'] && !process.env.GHL_SECRET_ID) throw new UsageError('Set GHL_SECRET_ID (the GHL credentials secret), or pass --skip-ghl');
  const relatel = relatelFromEnvironment();
  const mapping = parseMappingConfig(process.env.MAPPING_CONFIG);
  const aws = await awsClients(values.local);
  try {
    const table = syncTableName(values.prefix);
    const state = new DynamoSyncStateStore(aws.dynamo, table);
    const report = await verifyContacts({ relatel, state, mapping });
    const ghlReport = values['skip-ghl']
      ? undefined
      : await verifyGhl(
          {
            ghl: ghlClient(aws, table),
            state,
            relatel,
            mapping,
            ...(values.repair && { queue: await contactsQueue(aws, values.prefix) }),
          },
          {
            repair: values.repair,
            ...(values.sample !== undefined && { sample: numberFlag('sample', values.sample, 1) }),
            onProgress: progressLine(),
          },
        );
    if (values.json) {
      console.log(JSON.stringify({ ...report, ...(ghlReport && { ghl: ghlReport }) }, null, 2));
    } else {
      const show = showDrifts(values['show-all']);
      console.log(`Relatel contacts: ${report.relatelContacts}, sync states: ${report.syncStates}, in sync: ${report.inSync} (${aws.where})`);
      show('missing', report.missing, 'npm run backfill');
      show('stale', report.stale, 'npm run backfill');
      show('orphaned', report.orphaned, 'see docs/RUNBOOK.md#verify-drift');
      if (ghlReport) printGhlReport(ghlReport, show, values.repair);
    }
    return hasDrift(report) || (ghlReport !== undefined && hasGhlDrift(ghlReport)) ? 1 : 0;
  } finally {
    aws.destroy();
  }
});

async function contactsQueue(aws: AwsClients, prefix: string) {
  const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queueName('contacts', prefix) }));
  // Repair sends contact events only.
  return new SqsQueueSender(aws.sqs, { contacts: QueueUrl! } as Record<Entity, string>);
}

/** "checked n/total" on stderr, rewritten in place, at most a few times a second. */
function progressLine(): (checked: number, total: number) => void {
  let shownAt = 0;
  return (checked, total) => {
    const now = Date.now();
    if (checked < total && now - shownAt < 250) return;
    shownAt = now;
    process.stderr.write(`\rGHL: checked ${checked}/${total}${checked === total ? '\n' : ''}`);
  };
}

type Show = (title: string, drifts: readonly (Drift | GhlDrift)[], repair: string) => void;

function showDrifts(showAll: boolean): Show {
  return (title, drifts, repair) => {
    console.log(`${title}: ${drifts.length}${drifts.length ? `  -> ${repair}` : ''}`);
    for (const drift of showAll ? drifts : drifts.slice(0, SHOWN_PER_KIND)) {
      const entity = 'entity' in drift ? `${drift.entity} ` : '';
      console.log(`  ${entity}relatel ${drift.relatelId}${drift.ghlId ? ` ghl ${drift.ghlId}` : ''}  ${drift.reason}`);
    }
    if (!showAll && drifts.length > SHOWN_PER_KIND) console.log(`  ... ${drifts.length - SHOWN_PER_KIND} more (--show-all)`);
  };
}

function printGhlReport(report: GhlDriftReport, show: Show, repaired: boolean): void {
  const left = report.leftDeletedInGhl > 0 ? `, left deleted in GHL (ghl-wins): ${report.leftDeletedInGhl}` : '';
  console.log(`GHL: linked records: ${report.linked}, read: ${report.checked}, in sync: ${report.inSync}${left}`);
  const repair = repaired ? 'contacts: healing events enqueued' : 'npm run verify -- --repair (contacts); see docs/RUNBOOK.md#verify-drift';
  show('missing in GHL', report.missing, repair);
  show('different in GHL', report.different, repair);
  if (repaired) console.log(`repair: ${report.repairEnqueued.length} contact event(s) enqueued`);
}
