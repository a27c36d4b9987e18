/**
 * npm run dlq -- list    --entity tasks [--show-payload] [--max 100] [--json] [--prefix p] [--local]
 * npm run dlq -- redrive --entity tasks [--dry-run] [--rate n] [--no-wait] [--prefix p] [--local]
 *
 * list: the parked messages with reason, status, GHL traceId and age, without consuming them.
 * redrive: moves them all back to the entity's queue (SQS StartMessageMoveTask; on endpoints
 * without it, such as the local stack, receive-send-delete). Fix the cause first.
 */
import { listParked, redrive, resolveEntityQueues } from '../lib/ops/dlq.js';
import { useLocalStack, awsClients, entityFlag, formatAge, numberFlag, parseFlags, runCommand, UsageError } from './common.js';

const USAGE = `Usage:
  npm run dlq -- list --entity <contacts|tasks|notes|appointments|ghl-contacts> [--show-payload] [--max 100] [--json]
  npm run dlq -- redrive --entity <entity> [--dry-run] [--rate <msgs/s>] [--no-wait]
Both: [--prefix <resourcePrefix>] [--local]`;

await runCommand(USAGE, async () => {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    entity: { type: 'string' },
    'show-payload': { type: 'boolean', default: false },
    max: { type: 'string' },
    json: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    rate: { type: 'string' },
    'no-wait': { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  await useLocalStack(values.local, false);
  const [command] = positionals;
  if (command !== 'list' && command !== 'redrive') throw new UsageError('Say what to do: list or redrive');
  const entity = entityFlag(values.entity);
  const aws = await awsClients(values.local);
  try {
    const target = await resolveEntityQueues(aws.sqs, entity, values.prefix);
    if (command === 'list') {
      const listing = await listParked(aws.sqs, target.deadLetterQueueUrl, {
        showPayload: values['show-payload'],
        max: numberFlag('max', values.max, 100),
      });
      if (values.json) {
        console.log(JSON.stringify(listing, null, 2));
        return 0;
      }
      console.log(`${entity} DLQ on ${aws.where}: ${listing.approximateTotal} message(s); showing ${listing.messages.length}`);
      for (const m of listing.messages) {
        console.log(
          [
            formatAge(m.ageMs).padStart(7),
            (m.reason ?? '?').padEnd(28),
            String(m.status ?? '-').padEnd(4),
            `trace=${m.traceId ?? '-'}`,
            `delivery=${m.deliveryId ?? '-'}`,
            `${m.eventType ?? '?'} contact=${m.groupId ?? '?'}`,
            `receives=${m.receiveCount ?? '?'}`,
          ].join('  '),
        );
        if (m.failureMessage) console.log(`         ${m.failureMessage}`);
        if (m.body !== undefined) console.log(`         payload: ${m.body}`);
      }
      if (listing.messages.length < listing.approximateTotal) {
        console.log('(SQS hands out at most 10 messages per contact while they are being looked at; the rest follow once these are redriven)');
      }
      return 0;
    }

    const report = await redrive(aws.sqs, target, {
      dryRun: values['dry-run'],
      ...(values.rate === undefined ? {} : { ratePerSecond: numberFlag('rate', values.rate, 1) }),
      wait: !values['no-wait'],
      onProgress: (moved) => process.stderr.isTTY && process.stderr.write(`\rmoved ${moved}`),
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    if (report.mode === 'dry-run') {
      console.log(`Dry run: would move ~${report.approximateMessages} message(s) from the ${entity} DLQ back to its queue on ${aws.where}. Nothing moved.`);
      return 0;
    }
    if (report.mode === 'fallback') {
      console.log(`This endpoint has no StartMessageMoveTask: moved ${report.moved} message(s) by receive-send-delete.`);
      return 0;
    }
    console.log(
      `Message move task ${report.taskHandle ?? ''}: ${report.status ?? 'started'}, ${report.moved} of ~${report.approximateMessages} moved` +
        (report.failureReason ? ` (${report.failureReason})` : ''),
    );
    return report.status === 'FAILED' ? 1 : 0;
  } finally {
    aws.destroy();
  }
});
