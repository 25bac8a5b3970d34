import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConcurrentUpdateError, DuplicateEventError, RecordTooLargeError } from '#shared/domain/errors';
import type { EventReceipt } from '#shared/ports/customer-store';

/**
 * What a failed DynamoDB write says, for the customer store: a lost condition, a cancelled
 * transaction and its per-item reasons, the `writeId` of the item a failed condition returned.
 */

/**
 * A single-item write lost to another writer: its condition failed, or the item is part of a
 * transaction in flight right now (which the SDK does not retry). Either way the caller re-reads.
 */
export function isConcurrentWrite(error: unknown): boolean {
  return isConditionalFailure(error) || (error instanceof Error && error.name === 'TransactionConflictException');
}

/** A single-item write whose condition failed. */
export function isConditionalFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** The per-item reasons of a cancelled transaction, or undefined for any other error. */
export function cancellationReasons(error: unknown): Array<{ Code?: string; Item?: unknown }> | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as TransactionCanceledException).CancellationReasons ?? [];
}

/** The per-item reason codes of a cancelled transaction, or undefined for any other error. */
export function cancellationCodes(error: unknown): Array<string | undefined> | undefined {
  return cancellationReasons(error)?.map((reason) => reason.Code);
}

/**
 * A cancelled transaction lost to a concurrent change: the item at `itemIndex` failed its
 * condition, or another transaction was writing one of its items. False for any other error.
 */
export function cancelledByConcurrentChange(error: unknown, itemIndex: number): boolean {
  const codes = cancellationCodes(error);
  return codes !== undefined && (codes[itemIndex] === 'ConditionalCheckFailed' || codes.includes('TransactionConflict'));
}

/**
 * The error a save that did not happen throws: a replay, a concurrent change, or the SDK's own.
 * A save with receipts is a transaction whose first items are the receipts, then the customer.
 */
export function saveFailure(error: unknown, expectedVersion: number, receipts: readonly EventReceipt[]): unknown {
  if (isConcurrentWrite(error)) return staleVersion(expectedVersion, error);
  // DynamoDB's own limit, should a record pass the engine's check (`assertRecordFits`): refused, not retried.
  if (error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message))
    return new RecordTooLargeError("the customer record is over DynamoDB's item size limit", [
      {
        path: 'customerId',
        code: 'record_too_large',
        message: "this customer's record is over DynamoDB's 400 KB item limit; the event is refused",
      },
    ]);
  const codes = cancellationCodes(error);
  if (!codes) return error;
  // A replay wins over a concurrent change: the caller answers "duplicate" (or, for several, reads
  // the receipts again) and stops.
  const replay = receipts.find((_, i) => codes[i] === 'ConditionalCheckFailed');
  if (replay)
    // The event id may hold a phone number, and errors get logged: the message names the type only.
    return new DuplicateEventError(`a ${replay.type} event was already processed`, [], { cause: error });
  if (cancelledByConcurrentChange(error, receipts.length)) return staleVersion(expectedVersion, error);
  return error;
}

/**
 * The `writeId` of an item returned with a failed condition. Error payloads are not unmarshalled
 * by the DocumentClient, so the attribute comes as `{ S: "…" }`.
 */
export function writeIdOf(item: unknown): string | undefined {
  const value = (item as { writeId?: unknown } | undefined)?.writeId;
  if (typeof value === 'string') return value;
  const s = (value as { S?: unknown } | undefined)?.S;
  return typeof s === 'string' ? s : undefined;
}

/**
 * The error a write lost to a concurrent change of the customer becomes. The message names no
 * customer: customer ids are often phone numbers, and errors get logged.
 */
export function staleVersion(expectedVersion: number, cause: unknown): ConcurrentUpdateError {
  return new ConcurrentUpdateError(`the customer record is no longer at version ${expectedVersion}`, [], { cause });
}
