import type { FinalizeRequestMiddleware, HandlerExecutionContext, MiddlewareStack } from '@aws-sdk/types';
// The SDK's retry strategies live in @smithy/core, which every @aws-sdk client depends on.
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { mulberry32 } from '../../scripts/seeded-random.ts';

/**
 * A fault layer for the REAL SDK v3 clients the AWS adapters use: a middleware added to a client's
 * stack, inside the SDK's retry loop (step `finalizeRequest`, after the retry middleware), so that
 * every injected fault meets the SDK's own retry strategy exactly as a service error would.
 *
 * - `before`: the request never reaches the service; the fault is the answer (a throttle, a 5xx).
 * - `after`: the request reached the service and succeeded, then the answer was lost: the SDK sees
 *   an error although the call happened. The hardest case for idempotency: a retry repeats a call
 *   that was already applied.
 *
 * Which call fails is decided by a {@link FaultPlan}. {@link seededFaults} draws from a seeded
 * random number keyed by the call itself (service, operation, the item or resource it touches,
 * how many times that key was called, the attempt), not by arrival order, so a run with the same
 * seed injects the same faults even when calls to different customers interleave differently.
 */

/** The faults the layer can inject, each as the service would answer it. */
export type FaultKind =
  | 'ThrottlingException'
  | 'ProvisionedThroughputExceededException'
  | 'TransactionConflict'
  | 'InternalServerError'
  | 'ServiceUnavailable'
  /** No answer at all: the SDK's request timeout (only meaningful `after`). */
  | 'AnswerLost';

export type FaultPhase = 'before' | 'after';

export interface Fault {
  kind: FaultKind;
  phase: FaultPhase;
}

/** One attempt of one SDK call, as the plan sees it. */
export interface FaultCall {
  /** The name the client was attached under, e.g. `dynamodb`, `scheduler`, `sms`, `ses`. */
  service: string;
  /** The API operation, e.g. `PutItem`, `TransactWriteItems`, `CreateSchedule`, `SendEmail`. */
  operation: string;
  /** What the call is about: the item keys, the schedule name, the touch id. */
  key: string;
  /** 1-based: how many times a call with this service, operation and key was made (retries not counted). */
  occurrence: number;
  /** 1-based attempt of the SDK's retry loop. */
  attempt: number;
}

/** Decides whether one attempt fails, and how. */
export type FaultPlan = (call: FaultCall) => Fault | undefined;

export interface InjectedFault extends FaultCall, Fault {}

/** Operations that write: the only ones DynamoDB can answer with a transaction conflict. */
const DYNAMODB_WRITES = new Set(['PutItem', 'DeleteItem', 'UpdateItem', 'TransactWriteItems']);

/** Whether a fault of this kind is one the service could answer to this operation. */
export function faultApplies(kind: FaultKind, call: Pick<FaultCall, 'service' | 'operation'>): boolean {
  if (kind === 'ProvisionedThroughputExceededException') return call.service === 'dynamodb';
  if (kind === 'TransactionConflict') return call.service === 'dynamodb' && DYNAMODB_WRITES.has(call.operation);
  return true;
}

export interface SeededFaultsOptions {
  seed: number;
  /** Share of attempts failed before they reach the service. */
  before: number;
  /** Share of attempts whose answer is lost after they succeeded. */
  after: number;
  /** Kinds drawn for `before` faults (those that apply to the call). */
  beforeKinds: readonly FaultKind[];
  /** Kinds drawn for `after` faults. */
  afterKinds: readonly FaultKind[];
  /** Only these services get faults. @default every service */
  services?: readonly string[];
  /** Only these operations get faults. @default every operation */
  operations?: readonly string[];
}

/** A {@link FaultPlan} drawing each attempt's fate from a random number seeded by the call. */
export function seededFaults(options: SeededFaultsOptions): FaultPlan {
  return (call) => {
    if (options.services && !options.services.includes(call.service)) return undefined;
    if (options.operations && !options.operations.includes(call.operation)) return undefined;
    const random = mulberry32(hash(`${options.seed}|${call.service}|${call.operation}|${call.key}|${call.occurrence}|${call.attempt}`));
    const draw = random();
    const phase: FaultPhase | undefined = draw < options.before ? 'before' : draw < options.before + options.after ? 'after' : undefined;
    if (!phase) return undefined;
    const kinds = (phase === 'before' ? options.beforeKinds : options.afterKinds).filter((kind) => faultApplies(kind, call));
    const kind = kinds[Math.floor(random() * kinds.length)];
    return kind ? { kind, phase } : undefined;
  };
}

/** A {@link FaultPlan} failing exactly the listed attempts, for tests of one path. */
export function scriptedFaults(script: ReadonlyArray<Partial<FaultCall> & Fault>): FaultPlan {
  return (call) => {
    const entry = script.find(({ kind: _kind, phase: _phase, ...match }) =>
      (Object.keys(match) as Array<keyof FaultCall>).every((field) => match[field] === call[field]),
    );
    return entry && { kind: entry.kind, phase: entry.phase };
  };
}

/**
 * The SDK's own standard retry strategy (classification, attempts, retry quota) without its
 * waits, so that a test can meet hundreds of faults in seconds.
 */
export function noWaitRetry(maxAttempts: number): ConfiguredRetryStrategy {
  return new ConfiguredRetryStrategy(maxAttempts, 0);
}

/**
 * The fault layer: attach it to clients, switch it on and off, read what it injected. One layer
 * may serve several clients; each is attached under its service name.
 */
export class FaultLayer {
  /** Every fault injected, in order. */
  readonly injected: InjectedFault[] = [];
  enabled = true;
  private readonly occurrences = new Map<string, number>();

  constructor(private readonly plan: FaultPlan) {}

  /** Adds the fault middleware to a client (before wrapping it, e.g. in a DocumentClient). */
  attach(client: { middlewareStack: MiddlewareStack<any, any> }, service: string): void {
    client.middlewareStack.add(this.middleware(service), { step: 'finalizeRequest', priority: 'low', name: `faultLayer-${service}` });
  }

  /** The injected faults of one service (and operation). */
  of(service: string, operation?: string): InjectedFault[] {
    return this.injected.filter((fault) => fault.service === service && (operation === undefined || fault.operation === operation));
  }

  private middleware(service: string): FinalizeRequestMiddleware<any, any> {
    return (next, context) => async (args) => {
      const call = this.callOf(service, context, args.input, args.request);
      const fault = this.enabled ? this.plan(call) : undefined;
      if (fault?.phase === 'before') throw this.inject(call, fault);
      const result = await next(args);
      if (fault?.phase === 'after') throw this.inject(call, fault);
      return result;
    };
  }

  private callOf(service: string, context: HandlerExecutionContext, input: unknown, request: unknown): FaultCall {
    const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
    const key = keyOf(input);
    const attempt = attemptOf(request);
    const counter = `${service}|${operation}|${key}`;
    // A first attempt is a new call; retries belong to the call before them.
    if (attempt === 1) this.occurrences.set(counter, (this.occurrences.get(counter) ?? 0) + 1);
    return { service, operation, key, attempt, occurrence: this.occurrences.get(counter) ?? 1 };
  }

  private inject(call: FaultCall, fault: Fault): Error {
    this.injected.push({ ...call, ...fault });
    return faultError(fault.kind, call, this.injected.length);
  }
}

/** The SDK's retry middleware writes `attempt=N; max=M` into this header before every attempt. */
function attemptOf(request: unknown): number {
  const header = (request as { headers?: Record<string, string> } | undefined)?.headers?.['amz-sdk-request'] ?? '';
  return Number(/attempt=(\d+)/.exec(header)?.[1] ?? 1);
}

/**
 * What a call is about, from its input, stable across runs: DynamoDB keys (`pk`/`sk` of the key,
 * item or transaction items; generated attributes such as a write id are left out), a schedule
 * name, a touch id (SMS context, SES tags).
 */
function keyOf(input: unknown): string {
  const value = input as Record<string, any>;
  const dynamoKey = (entry: Record<string, any> | undefined) => {
    const key = entry?.Key ?? entry?.Item;
    return key ? `${text(key.pk)}/${text(key.sk)}` : undefined;
  };
  if (Array.isArray(value.TransactItems))
    return value.TransactItems.map((item: Record<string, any>) =>
      dynamoKey(item.Put ?? item.Delete ?? item.Update ?? item.ConditionCheck),
    ).join('+');
  return (
    dynamoKey(value) ??
    (value.KeyConditionExpression ? `query:${JSON.stringify(value.ExpressionAttributeValues)}` : undefined) ??
    (typeof value.Name === 'string' ? value.Name : undefined) ??
    value.Context?.touchId ??
    value.EmailTags?.find((tag: { Name: string; Value: string }) => tag.Name === 'touchId')?.Value ??
    'none'
  );
}

/** A DynamoDB attribute, plain or marshalled (`{ S: "…" }`). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { S?: unknown } | undefined)?.S ?? '');
}

/**
 * The error a service (or the SDK, for a lost answer) would raise, with the fields the SDK's retry
 * classification and the adapters read: name, `$fault`, `$metadata.httpStatusCode`.
 */
export function faultError(kind: FaultKind, call: Pick<FaultCall, 'service' | 'operation'>, index = 0): Error {
  const requestId = `fault-${index}`;
  const serviceError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`injected ${name}`), {
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status, requestId },
      ...extra,
    });
  switch (kind) {
    case 'ThrottlingException':
      // DynamoDB answers its throttles with a 400; the other services with a 429.
      return serviceError('ThrottlingException', call.service === 'dynamodb' ? 400 : 429);
    case 'ProvisionedThroughputExceededException':
      return serviceError('ProvisionedThroughputExceededException', 400);
    case 'TransactionConflict':
      return call.operation === 'TransactWriteItems'
        ? serviceError('TransactionCanceledException', 400, { CancellationReasons: [{ Code: 'TransactionConflict' }] })
        : serviceError('TransactionConflictException', 400);
    case 'InternalServerError':
      return serviceError('InternalServerError', 500);
    case 'ServiceUnavailable':
      return serviceError('ServiceUnavailable', 503);
    case 'AnswerLost':
      return Object.assign(new Error('injected: the answer never arrived (request timeout)'), { name: 'TimeoutError', code: 'ETIMEDOUT' });
  }
}

/** FNV-1a, 32 bits: a seed for {@link mulberry32} from a string. */
function hash(value: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
