/**
 * npm run backfill -- [--rate 5] [--page-size 100] [--restart] [--prefix p] [--local]
 *
 * Enqueues every Relatel contact as a contact.updated event on the contacts queue, paced to
 * --rate per second, resumable: run it again after an interruption (or Ctrl-C) and it goes on
 * after the last contact it enqueued. --restart starts over from the first contact.
 * Relatel token: RELATEL_API_TOKEN, or RELATEL_SECRET_ID (see scripts/common.ts).
 */
import { SqsQueueSender } from '../lib/aws/sqs-queue-sender.js';
import { queueName, type Entity } from '../lib/entities.js';
import { DEFAULT_BACKFILL_RATE_PER_SECOND, runBackfill, type BackfillProgress } from '../lib/ops/backfill.js';
import { DynamoCheckpointStore } from '../lib/ops/dynamo-checkpoint.js';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { awsClients, numberFlag, parseFlags, relatelFromEnvironment, runCommand, syncTableName } from './common.js';

const USAGE = `Usage: npm run backfill -- [--rate <contacts/s>] [--page-size <1-100>] [--restart] [--prefix <resourcePrefix>] [--local]`;

await runCommand(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    rate: { type: 'string' },
    'page-size': { type: 'string' },
    restart: { type: 'boolean', default: false },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const relatel = relatelFromEnvironment();
  const aws = await awsClients(values.local);
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    process.stderr.write('\nStopping after the current contact; run again to resume.\n');
  };
  process.once('SIGINT', onSigint);
  try {
    const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queueName('contacts', values.prefix) }));
    const started = Date.now();
    const summary = await runBackfill(
      {
        relatel,
        // Backfill sends contact events only.
        queue: new SqsQueueSender(aws.sqs, { contacts: QueueUrl! } as Record<Entity, string>),
        checkpoints: new DynamoCheckpointStore(aws.dynamo, syncTableName(values.prefix)),
      },
      {
        ratePerSecond: numberFlag('rate', values.rate, DEFAULT_BACKFILL_RATE_PER_SECOND),
        ...(values['page-size'] === undefined ? {} : { pageSize: numberFlag('page-size', values['page-size'], 100) }),
        restart: values.restart,
        shouldStop: () => interrupted,
        onProgress: progressLine(started),
      },
    );
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(
      [
        `Backfill ${summary.outcome} on ${aws.where} (run ${summary.runId}${summary.resumed ? ', resumed' : ''}):`,
        `  enqueued now:    ${summary.enqueued}`,
        `  enqueued in run: ${summary.runTotal}`,
        `  last contact id: ${summary.lastId ?? '-'}`,
        `  skipped:         ${summary.skipped.length}${summary.skipped.length ? ` (ids ${summary.skipped.slice(0, 20).join(', ')})` : ''}`,
        `  took:            ${(summary.durationMs / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    aws.destroy();
  }
});

/** A progress line on a terminal (Relatel does not say how many contacts there are: a count and a rate). */
function progressLine(started: number): (progress: BackfillProgress) => void {
  if (!process.stderr.isTTY) return () => undefined;
  const frames = ['▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];
  return (progress) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const bar = '█'.repeat(Math.floor(progress.enqueued / 100) % 30) + frames[progress.enqueued % frames.length];
    process.stderr.write(
      `\r${bar.padEnd(31)} ${progress.enqueued} enqueued · page ${progress.pages} · ${(progress.enqueued / seconds).toFixed(1)}/s · last id ${progress.lastId ?? '-'}   `,
    );
  };
}
