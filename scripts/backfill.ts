/**
 * npm run backfill -- [--from relatel|ghl] [--rate 5] [--page-size 100] [--restart] [--prefix p] [--local]
 *
 * --from relatel (the default): enqueues every Relatel contact as a contact.updated event on the
 * contacts queue. Relatel token: RELATEL_API_TOKEN, or RELATEL_SECRET_ID (see scripts/common.ts).
 * --from ghl: reads every GHL contact and enqueues, on the ghl-contacts queue, those whose
 * Relatel twin does not reflect them (lib/reverse/catch-up.ts). GHL: GHL_SECRET_ID (the
 * credentials secret); GHL_LOCATION_ID; mapping: MAPPING_CONFIG (as the Relatel writer gets it).
 * A `--from ghl` run that read every GHL contact in one process then sweeps for lost deletes
 * (lib/reverse/deletion-sweep.ts): each link whose GHL contact it did not see is checked by a GET,
 * and a delete GHL confirms is queued. A resumed run skips the sweep (it says so): this process did
 * not see the contacts its earlier part read, and nothing stores them; --restart walks them all.
 * Either way paced to --rate per second and resumable: run it again after an interruption (or
 * Ctrl-C) and it goes on where it stopped. --restart starts over from the first contact.
 */
import { SqsQueueSender } from '../lib/aws/sqs-queue-sender.js';
import { queueName, type Entity, type QueueOwner } from '../lib/entities.js';
import { DEFAULT_BACKFILL_RATE_PER_SECOND, runBackfill, type BackfillProgress } from '../lib/ops/backfill.js';
import { DynamoCheckpointStore } from '../lib/ops/dynamo-checkpoint.js';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { DynamoGhlContactLinkStore } from '../lib/aws/dynamo-ghl-contact-links.js';
import { parseMappingConfig } from '../lib/mapping/config.js';
import { runGhlCatchUp, type GhlCatchUpProgress, type GhlCatchUpSummary } from '../lib/reverse/catch-up.js';
import { sweepDeletions, type DeletionSweepSummary } from '../lib/reverse/deletion-sweep.js';
import { useLocalStack, awsClients, ghlClient, numberFlag, parseFlags, relatelFromEnvironment, runCommand, syncTableName, UsageError, type AwsClients } from './common.js';

const USAGE = `Usage: npm run backfill -- [--from relatel|ghl] [--rate <contacts/s>] [--page-size <1-100 (ghl: 1-500)>] [--restart] [--max-sweep-candidates <n> (ghl)] [--prefix <resourcePrefix>] [--local]`;

await runCommand(USAGE, async () => {
  const { values } = parseFlags(process.argv.slice(2), {
    rate: { type: 'string' },
    'page-size': { type: 'string' },
    restart: { type: 'boolean', default: false },
    from: { type: 'string', default: 'relatel' },
    'max-sweep-candidates': { type: 'string' },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  await useLocalStack(values.local, true);
  if (values.from !== 'relatel' && values.from !== 'ghl') throw new UsageError('--from takes relatel or ghl');
  if (values.from === 'ghl') return backfillFromGhl(values);
  const relatel = relatelFromEnvironment();
  const aws = await awsClients(values.local);
  const { interrupted, release } = stopOnSigint();
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
        shouldStop: interrupted,
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
    release();
    aws.destroy();
  }
});

interface Flags {
  rate?: string | undefined;
  'page-size'?: string | undefined;
  'max-sweep-candidates'?: string | undefined;
  restart: boolean;
  prefix: string;
  local: boolean;
}

/** `--from ghl`: GHL's contacts the links do not reflect, on the ghl-contacts queue. */
async function backfillFromGhl(values: Flags): Promise<number> {
  if (!process.env.GHL_SECRET_ID) throw new UsageError('Set GHL_SECRET_ID (the GHL credentials secret)');
  const locationId = process.env.GHL_LOCATION_ID;
  if (!locationId) throw new UsageError('Set GHL_LOCATION_ID (the deployment\'s GHL location)');
  const mapping = parseMappingConfig(process.env.MAPPING_CONFIG);
  const aws = await awsClients(values.local);
  const { interrupted, release } = stopOnSigint();
  try {
    const table = syncTableName(values.prefix);
    const started = Date.now();
    const ratePerSecond = numberFlag('rate', values.rate, DEFAULT_BACKFILL_RATE_PER_SECOND);
    const maxCandidates = values['max-sweep-candidates'] === undefined ? undefined : numberFlag('max-sweep-candidates', values['max-sweep-candidates'], 1);
    const deps = {
      ghl: ghlClient(aws, table),
      links: new DynamoGhlContactLinkStore(aws.dynamo, table),
      queue: await ghlContactsQueue(aws, values.prefix),
      checkpoints: new DynamoCheckpointStore(aws.dynamo, table),
      mapping: { defaultCountry: mapping.defaultCountry, onlyWithTag: mapping.relatel.onlyWithTag },
      locationId,
    };
    // Taken before the first search: a link touched after it may be a contact the walk could not see.
    const walkStartedAt = new Date();
    const seenIds = new Set<string>();
    const summary = await runGhlCatchUp(deps, {
      mode: 'all',
      ratePerSecond,
      ...(values['page-size'] === undefined ? {} : { pageSize: numberFlag('page-size', values['page-size'], 100) }),
      restart: values.restart,
      shouldStop: interrupted,
      onProgress: ghlProgressLine(started),
      seenIds,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    console.log(
      [
        `GHL backfill ${summary.outcome} on ${aws.where} (run ${summary.runId}${summary.resumed ? ', resumed' : ''}):`,
        `  GHL contacts read: ${summary.read}`,
        `  enqueued now:      ${summary.enqueued}`,
        `  enqueued in run:   ${summary.runTotal}`,
        `  up to dateUpdated: ${summary.cursor ?? '-'}`,
        `  skipped:           ${summary.skipped.length}${summary.skipped.length ? ` (ids ${summary.skipped.slice(0, 20).join(', ')})` : ''}`,
        `  took:              ${(summary.durationMs / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
    const skippedBecause = deletionSweepSkippedBecause(summary);
    if (skippedBecause !== undefined) {
      console.log(`Deletion sweep skipped: ${skippedBecause}.`);
      return 0;
    }
    const sweep = await sweepDeletions(
      deps,
      { seen: seenIds, startedAt: walkStartedAt },
      { ratePerSecond, shouldStop: interrupted, ...(maxCandidates !== undefined && { maxCandidates }) },
    );
    console.log(deletionSweepReport(sweep));
    // A refused sweep needs a person (docs/RUNBOOK.md): not a success.
    return sweep.outcome === 'refused' ? 1 : 0;
  } finally {
    release();
    aws.destroy();
  }
}

/** Why this run cannot conclude that an unseen contact is deleted; undefined when it can. */
function deletionSweepSkippedBecause(summary: GhlCatchUpSummary): string | undefined {
  if (summary.outcome !== 'completed') return 'the run stopped before it read every GHL contact';
  if (summary.resumed) return 'this run was resumed, so this process did not see the contacts its earlier part read (run with --restart to sweep)';
  return undefined;
}

/** Counts and GHL ids only. */
function deletionSweepReport(sweep: DeletionSweepSummary): string {
  if (sweep.outcome === 'refused') {
    return (
      `Deletion sweep refused: ${sweep.candidates} links' GHL contacts were not in the walk, more than the ${sweep.candidateLimit} lost deletes ` +
      `it accepts (a wrong location or a short search answer looks like this). Nothing was asked or queued. If GHL did delete them, ` +
      `run again with --restart --max-sweep-candidates ${sweep.candidates}.\n  some of them: ${(sweep.candidateSample ?? []).join(', ')}`
    );
  }
  return [
    `Deletion sweep ${sweep.outcome} (links whose GHL contact the walk did not see):`,
    `  candidates:        ${sweep.candidates}`,
    `  gone in GHL:       ${sweep.confirmedGone}`,
    `  still in GHL:      ${sweep.stillThere}`,
    `  GET failures:      ${sweep.getFailures}${sweep.getFailures ? ' (checked again by the next sweep)' : ''}`,
    `  deletes enqueued:  ${sweep.enqueued}${sweep.deletedIds.length ? ` (ids ${sweep.deletedIds.slice(0, 20).join(', ')})` : ''}`,
    ...(sweep.notAsked ? [`  not asked:         ${sweep.notAsked} (stopped; the next complete run asks)`] : []),
  ].join('\n');
}

async function ghlContactsQueue(aws: AwsClients, prefix: string) {
  const { QueueUrl } = await aws.sqs.send(new GetQueueUrlCommand({ QueueName: queueName('ghl-contacts', prefix) }));
  return new SqsQueueSender(aws.sqs, { 'ghl-contacts': QueueUrl! } as Record<QueueOwner, string>);
}

/**
 * Ctrl-C stops after the current contact (the run resumes from its checkpoint). Listening until
 * the run ends, not once: tsx sends the script a second SIGINT when the script acknowledges the
 * first later than 30 ms (a busy machine), and a SIGINT nobody listens to ends the run unsaved.
 */
function stopOnSigint(): { interrupted: () => boolean; release: () => void } {
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write('\nStopping after the current contact; run again to resume.\n');
  };
  process.on('SIGINT', onSigint);
  return { interrupted: () => interrupted, release: () => process.off('SIGINT', onSigint) };
}

/** GHL's progress on a terminal: contacts read, enqueued, and how far in `dateUpdated`. */
function ghlProgressLine(started: number): (progress: GhlCatchUpProgress) => void {
  if (!process.stderr.isTTY) return () => undefined;
  return (progress) => {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(
      `\r${progress.read} read · ${progress.enqueued} enqueued · page ${progress.pages} · ${(progress.read / seconds).toFixed(1)}/s · up to ${progress.cursor ?? '-'}   `,
    );
  };
}

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
