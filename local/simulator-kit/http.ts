/**
 * The HTTP shell the GHL and Relatel simulators share: injected faults around each API request
 * (drawn on arrival, so a seed replays them: ../ghl-simulator/faults.ts), the request log, and a
 * server on 127.0.0.1 whose stop also releases requests held by a timeout fault. Each simulator
 * brings what is its own: routes, auth, limits and the shapes of its answers.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SimulatorClock } from '../ghl-simulator/clock.js';
import type { FaultDecision, FaultKind } from '../ghl-simulator/faults.js';
import { readBody } from '../ghl-simulator/io.js';
import type { FaultSwitch } from './fault-switch.js';
import type { RequestLog } from './request-log.js';

export interface SimReply {
  status: number;
  json?: unknown;
  html?: string;
  headers?: Record<string, string>;
}

/** One API request as a simulator handles it, once the faults before it have let it through. */
export interface SimExchange {
  operation: string;
  /** The answer; a `before` fault other than a timeout is the simulator's to answer. Never throws. */
  answer(decision: FaultDecision): SimReply;
  /** The answer to an injected 5xx (also after an applied write). */
  serverError(status: number): SimReply;
  send(res: ServerResponse, reply: SimReply): void;
}

export interface FaultingApiOptions {
  clock: SimulatorClock;
  log: RequestLog;
  faults: FaultSwitch;
  /** Resolves when the server stops, releasing held requests. */
  stopped: Promise<void>;
  exchange(req: IncomingMessage, url: URL, rawBody: string): SimExchange;
}

/** Handles an API request with faults: slow, never answered, answered 5xx before or after a write. */
export function faultingApiHandler(options: FaultingApiOptions): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const { clock, log } = options;

  /** Never answers: holds the request until the client gives up, or drops the connection. */
  async function withhold(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const faults = options.faults.current;
    if (faults.timeoutMode === 'hang') {
      const clientGone = new Promise<void>((resolve) => res.once('close', () => resolve()));
      await Promise.race([clientGone, clock.sleep(faults.hangMs), options.stopped]);
    }
    req.socket.destroy();
  }

  return async (req, res, url) => {
    const started = performance.now();
    // Drawn on arrival, before any await, so the draws follow request order.
    const decision = options.faults.decide();
    const rawBody = await readBody(req);
    const method = req.method ?? 'GET';
    const exchange = options.exchange(req, url, rawBody);
    const seen: FaultKind[] = [];
    const finish = (status: number) =>
      log.record({ method, path: url.pathname, operation: exchange.operation, status, durationMs: performance.now() - started, faults: seen });

    if (decision.slowMs > 0) {
      seen.push('slow');
      await clock.sleep(decision.slowMs);
    }
    if (decision.before) seen.push(decision.before);
    if (decision.before === 'timeout') {
      await withhold(req, res);
      return finish(0);
    }

    let reply = decision.before === 'server-error' ? exchange.serverError(decision.serverErrorStatus) : exchange.answer(decision);
    const appliedWrite = method !== 'GET' && reply.status < 300 && decision.before === undefined;
    if (appliedWrite && decision.afterWrite) {
      seen.push(decision.afterWrite);
      if (decision.afterWrite === 'after-write-timeout') {
        await withhold(req, res);
        return finish(0);
      }
      reply = exchange.serverError(decision.serverErrorStatus);
    }
    exchange.send(res, reply);
    finish(reply.status);
  };
}

/** A 502-504 as the gateway in front of an API sends it: an HTML page. */
export function gatewayErrorReply(status: number): SimReply {
  return { status, html: `<html><head><title>${status}</title></head><body><h1>${status}</h1></body></html>` };
}

export interface RunningSimServer {
  url: string;
  port: number;
  /** Idempotent: releases held requests, closes every connection. */
  stop(): Promise<void>;
}

/**
 * Listens with `handle` for every request (admin or API); a handler that fails answers
 * `fallback` (or drops the connection once headers went out). `release` frees held requests.
 */
export async function listenSimulator(options: {
  host: string;
  port: number;
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  fallback(res: ServerResponse): void;
  release(): void;
}): Promise<RunningSimServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    options.handle(req, res, url).catch(() => {
      if (!res.headersSent) options.fallback(res);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${address}:${port}`,
    port,
    stop: () => {
      // Idempotent: a test may stop it and its teardown stop it again.
      stopping ??= new Promise<void>((resolve, reject) => {
        options.release();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

/** A promise that resolves once `release` is called (a server stopping). */
export function releaseSignal(): { released: Promise<void>; release: () => void } {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { released, release };
}
