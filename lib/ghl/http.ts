/**
 * One HTTP exchange with GHL over native fetch (the official SDK pulls in axios and mongodb:
 * too heavy for a Lambda): a timeout on every request, JSON parsed leniently, and failures
 * before an answer mapped to transient errors.
 */
import { ghlErrorFromFailure, type GhlOperationLabel } from './errors.js';

export type FetchFn = typeof fetch;

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body; undefined when the body is empty or not JSON. */
  body: unknown;
}

export async function exchange(
  fetchFn: FetchFn,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  label: GhlOperationLabel,
): Promise<HttpAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    // Reading the body is part of the exchange: a server that stalls mid-body times out too.
    text = await response.text();
  } catch (error) {
    throw ghlErrorFromFailure(label, error);
  }
  return { status: response.status, headers: response.headers, body: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
