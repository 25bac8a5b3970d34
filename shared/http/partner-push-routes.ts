import { UnauthorizedError, ValidationError } from '#shared/domain/errors';
import { toFieldIssues } from '#shared/domain/events';
import { checkSignature, PARTNER_PUSH_HEADERS, PartnerPushReceipt, type SignatureCheck } from '#shared/domain/partner-push';
import type { EngineDeps } from '#shared/engine/deps';
import { ingestEvent } from '#shared/engine/ingest-event';
import type { Route, RouteRequest, RouteResult } from './http-types.ts';

/** Why a receipt's signature was refused, in words for the partner's developers. */
const REFUSALS: Record<Exclude<SignatureCheck, 'ok'>, string> = {
  missing: 'sign the receipt: X-Winback-Timestamp and X-Winback-Signature are required',
  stale: 'X-Winback-Timestamp is more than 5 minutes from our clock (or not Unix seconds): sign with the current time',
  mismatch: 'X-Winback-Signature is not the HMAC-SHA256 of "<timestamp>.<body>" under the partner push secret',
};

export interface PartnerPushRouteOptions {
  /** The wall clock signatures are checked against (the partner signs with its own). @default Date.now */
  now?: () => number;
}

/**
 * `POST /v1/push/receipts`: the partner reports what became of a push message (delivered,
 * opened, clicked), signed as Winback signs the messages it sends (the shared secret, a
 * timestamp within 5 minutes): the signature is the authentication, no API key. Each receipt is
 * a `message.engaged` event through the normal ingest, its event id made of the touch and the
 * event, so a receipt sent twice is a `duplicate`.
 */
export function partnerPushRoutes(deps: EngineDeps, secret: string, options: PartnerPushRouteOptions = {}): Route[] {
  const now = options.now ?? Date.now;
  const receive = async (request: RouteRequest): Promise<RouteResult> => {
    const body = request.body ?? '';
    const check = checkSignature(
      secret,
      { timestamp: request.headers[PARTNER_PUSH_HEADERS.timestamp], signature: request.headers[PARTNER_PUSH_HEADERS.signature], body },
      now(),
    );
    if (check !== 'ok') throw new UnauthorizedError(REFUSALS[check]);
    const receipt = PartnerPushReceipt.safeParse(parseJson(body));
    if (!receipt.success) throw new ValidationError('invalid receipt', toFieldIssues(receipt.error));
    const { touchId, customerId, event, occurredAt } = receipt.data;
    const result = await ingestEvent(deps, {
      eventId: `push-receipt:${touchId}:${event}`,
      type: 'message.engaged',
      occurredAt: occurredAt ?? new Date(deps.clock.now()).toISOString(),
      customerId,
      touchId,
      kind: event,
    });
    return { status: result.status === 'duplicate' ? 200 : 202, body: { touchId, event, status: result.status } };
  };
  return [{ method: 'POST', path: '/v1/push/receipts', selfAuthenticated: true, rawBody: true, handler: receive }];
}

/** The body as JSON, or a 400 naming it. */
function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ValidationError('the body must be JSON', [{ path: '(body)', code: 'invalid_json', message: 'is not valid JSON' }]);
  }
}
