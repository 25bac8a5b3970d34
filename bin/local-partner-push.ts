import { PartnerPushChannel } from '#shared/adapters/aws/partner-push-channel';
import { type OutboxChannel, OutboxCopy } from '#shared/adapters/local/outbox-channel';
import { ValidationError } from '#shared/domain/errors';
import type { EngineDeps } from '#shared/engine/deps';
import type { Route } from '#shared/http/http-types';
import { partnerPushRoutes } from '#shared/http/partner-push-routes';
import type { MessageChannel } from '#shared/ports/message-channel';

/** Hosts a local partner test server may listen on over plain HTTP. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** What the local runner's settings say of partner push. */
export interface LocalPartnerPushSettings {
  WINBACK_PARTNER_PUSH_URL?: string | undefined;
  WINBACK_PARTNER_PUSH_SECRET?: string | undefined;
}

/** The local runner's partner push: the channel that POSTs for real (plus the outbox line), and the receipts route. */
export interface LocalPartnerPush {
  channel: MessageChannel;
  routes(deps: EngineDeps): Route[];
}

/**
 * The partner push settings of the local runner, checked: both or neither, and plain HTTP only to
 * a partner test server on this machine. Undefined without them.
 */
export function partnerPushSettings(settings: LocalPartnerPushSettings): { endpoint: string; secret: string } | undefined {
  const { WINBACK_PARTNER_PUSH_URL: endpoint, WINBACK_PARTNER_PUSH_SECRET: secret } = settings;
  if (endpoint === undefined && secret === undefined) return undefined;
  if (endpoint === undefined || secret === undefined) {
    const missing = endpoint === undefined ? 'WINBACK_PARTNER_PUSH_URL' : 'WINBACK_PARTNER_PUSH_SECRET';
    throw new ValidationError('invalid local runner settings', [
      { path: missing, code: 'missing', message: 'is required with the other partner push setting: set both, or neither' },
    ]);
  }
  const url = new URL(endpoint);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname)))
    throw new ValidationError('invalid local runner settings', [
      {
        path: 'WINBACK_PARTNER_PUSH_URL',
        code: 'invalid_url',
        message: 'must be an https:// URL (http:// only to 127.0.0.1 or localhost, for a partner test server)',
      },
    ]);
  return { endpoint, secret };
}

/**
 * Partner push on the local runner, where its settings give an endpoint: each push message is
 * POSTed for real, signed with `WINBACK_PARTNER_PUSH_SECRET`, as the send function does in AWS,
 * and kept in the outbox once the partner took it; `POST /v1/push/receipts` takes the partner's
 * receipts. Without an endpoint, push messages land in the outbox only.
 */
export function localPartnerPush(settings: LocalPartnerPushSettings, outbox: OutboxChannel): LocalPartnerPush | undefined {
  const checked = partnerPushSettings(settings);
  if (!checked) return undefined;
  return {
    channel: new OutboxCopy(new PartnerPushChannel(checked), outbox),
    routes: (deps) => partnerPushRoutes(deps, checked.secret),
  };
}
