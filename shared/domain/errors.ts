/** One invalid field: where it is (`contacts.phone`, `events[2].type`) and what is wrong with it. */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

/**
 * The few errors the engine raises on purpose. The HTTP layer maps each to a status in one
 * place (`shared/http/errors.ts`); anything else is a 500 with a generic body.
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: FieldIssue[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'invalid_request';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

export class PayloadTooLargeError extends DomainError {
  readonly code = 'payload_too_large';
}

/** The stored record changed between read and write; the use case re-reads and tries again. */
export class ConcurrentUpdateError extends DomainError {
  readonly code = 'concurrent_update';
}

/** The event id was already recorded: a replay, which succeeds and changes nothing. */
export class DuplicateEventError extends DomainError {
  readonly code = 'duplicate_event';
}

/**
 * The change would make the customer's record larger than a record may be (its one DynamoDB
 * item), even with its finished journeys moved out: refused, as sending it again cannot succeed.
 */
export class RecordTooLargeError extends DomainError {
  readonly code = 'record_too_large';
}
