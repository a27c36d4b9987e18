import type { IncomingMessage } from 'node:http';

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Settings changes arrive from other processes too: a misspelt knob must fail, not be ignored. */
export function rejectUnknownKeys(changes: object, known: object, what: string): void {
  const unknown = Object.keys(changes).filter((key) => !Object.prototype.hasOwnProperty.call(known, key));
  if (unknown.length > 0) throw new RangeError(`unknown ${what} setting(s): ${unknown.join(', ')}`);
}
