/**
 * `npm start`: the whole sync on this machine (local/stack.ts), until Ctrl-C. Settings come from
 * the environment (local/config.ts, docs/LOCAL-STACK.md). Prints where everything listens, then
 * one line per processed event; the handlers' own JSON logs show from WARN up (LOG_LEVEL=INFO
 * shows them all).
 */
import { ConfigError } from '../lib/config.js';
import { PortInUseError } from './aws/local-aws.js';
import { DEFAULT_WEBHOOK_PORT, hideAwsSdkNodeVersionWarning, loadLocalSettings } from './config.js';
import { HttpPortInUseError } from './lambda/index.js';
import { startLocalStack, type LocalStack } from './stack.js';

async function main(): Promise<void> {
  // EMF metric blobs would drown the event lines; Lambda sends them to CloudWatch, not a terminal.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  hideAwsSdkNodeVersionWarning();
  const settings = loadLocalSettings();
  const logLevel = (process.env.LOG_LEVEL ?? 'WARN') as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  console.log('Starting the local stack...');
  const stack = await startLocalStack({ settings, logLevel, print: (line) => console.log(line) });
  console.log('');
  console.log(`Ready. Try: npm run send -- contact.created    (status: npm run status; stop: Ctrl-C)`);
  if (settings.webhookPort !== DEFAULT_WEBHOOK_PORT) {
    console.log('Run send, status and the --local commands with the same port variables as this stack.');
  }
  console.log('');
  stopOnSignals(stack);
}

function stopOnSignals(stack: LocalStack): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      console.log('Forced exit.');
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (in-flight batches finish first; Ctrl-C again to force)...`);
    stack.stop().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof PortInUseError || error instanceof HttpPortInUseError) {
    console.error(`Cannot start the local stack.\n${error.message}`);
  } else {
    console.error('Cannot start the local stack:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
