import { CHANNEL_TABLE } from '#shared/domain/channels';
import { ValidationError } from '#shared/domain/errors';
import { verifyUnsubscribeToken, type UnsubscribeClaim } from '#shared/domain/unsubscribe';
import type { EngineDeps } from '#shared/engine/deps';
import { unsubscribe } from '#shared/engine/unsubscribe';
import type { Route, RouteRequest } from './http-types.ts';

const page = (title: string, body: string) => ({
  contentType: 'text/html; charset=utf-8',
  text: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`,
});

function claimOf(request: RouteRequest, key: string): UnsubscribeClaim {
  const claim = verifyUnsubscribeToken(request.query?.token ?? '', key);
  if (!claim)
    throw new ValidationError('invalid or incomplete unsubscribe link', [
      { path: 'token', code: 'invalid_token', message: 'the link is not one Winback signed, or it was cut short' },
    ]);
  return claim;
}

/**
 * One-click unsubscribe (RFC 8058): `List-Unsubscribe: <…/v1/unsubscribe?token=…>` with
 * `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The signed token is the authentication,
 * no login and no API key. GET only shows a button, because mail scanners follow links; the
 * opt-out happens on POST, which is what mail clients send for one click.
 */
export function unsubscribeRoutes(deps: EngineDeps, unsubscribeKey: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/v1/unsubscribe',
      selfAuthenticated: true,
      handler: async (request) => {
        const claim = claimOf(request, unsubscribeKey);
        const token = encodeURIComponent(request.query!.token!);
        return {
          status: 200,
          raw: page(
            'Unsubscribe',
            `<form method="post" action="?token=${token}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Stop ${CHANNEL_TABLE[claim.channel].unsubscribeNoun}</button></form>`,
          ),
        };
      },
    },
    {
      method: 'POST',
      path: '/v1/unsubscribe',
      selfAuthenticated: true,
      rawBody: true,
      handler: async (request) => {
        const claim = claimOf(request, unsubscribeKey);
        await unsubscribe(deps, claim);
        return {
          status: 200,
          raw: page('You are unsubscribed', `<p>You will get no more ${CHANNEL_TABLE[claim.channel].unsubscribeNoun} from us.</p>`),
        };
      },
    },
  ];
}
