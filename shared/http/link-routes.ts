import { languageChain } from '#shared/domain/texts';
import { type LinkClaim, openLinkToken } from '#shared/domain/tracked-link';
import type { EngineDeps } from '#shared/engine/deps';
import { followLink, type ReactivationPage, requestCallBack } from '#shared/engine/tracked-links';
import type { Route, RouteRequest, RouteResult } from './http-types.ts';

/**
 * Link previews: chat apps, social networks, mail scanners and search engines fetch a link to
 * show a card, and none of them is the customer clicking. A missing user agent counts as one too.
 */
export const PREVIEW_AGENTS =
  /facebookexternalhit|facebot|twitterbot|slackbot|slack-imgproxy|whatsapp|telegrambot|discordbot|linkedinbot|skypeuripreview|applebot|googlebot|google-pagerenderer|bingbot|bingpreview|redditbot|pinterest|vkshare|viber|snapchat|embedly|iframely|mastodon|yandex|duckduckbot|petalbot|\b(bot|crawler|spider|preview)\b/i;

/** Whether a request is a person following the link, not a preview: a GET from a user agent no preview bot announces. */
export function countsAsClick(request: Pick<RouteRequest, 'method' | 'headers'>): boolean {
  const agent = request.headers['user-agent'] ?? '';
  return request.method.toUpperCase() === 'GET' && agent.trim() !== '' && !PREVIEW_AGENTS.test(agent);
}

/** The page's own words, per language; a language without them gets English. */
const WORDS = {
  en: {
    callBack: 'Call me back',
    thanks: 'Thank you: we will call you back soon.',
    invalid: ['This link is not valid', 'It may have been cut short: open it again from the message we sent you.'],
    gone: ['This offer has ended', 'The link is no longer valid.'],
  },
  es: {
    callBack: 'Llamadme',
    thanks: 'Gracias: te llamaremos pronto.',
    invalid: ['Este enlace no es válido', 'Puede que se haya cortado: ábrelo de nuevo desde el mensaje que te enviamos.'],
    gone: ['Esta oferta ha terminado', 'El enlace ya no es válido.'],
  },
  de: {
    callBack: 'Rufen Sie mich zurück',
    thanks: 'Danke: Wir rufen Sie bald zurück.',
    invalid: ['Dieser Link ist ungültig', 'Er wurde vielleicht abgeschnitten: Öffnen Sie ihn erneut aus unserer Nachricht.'],
    gone: ['Dieses Angebot ist beendet', 'Der Link ist nicht mehr gültig.'],
  },
  ru: {
    callBack: 'Перезвоните мне',
    thanks: 'Спасибо: мы скоро вам перезвоним.',
    invalid: ['Ссылка недействительна', 'Возможно, она обрезана: откройте её снова из нашего сообщения.'],
    gone: ['Предложение закончилось', 'Ссылка больше не действует.'],
  },
} as const;
type PageLanguage = keyof typeof WORDS;

/** The page language for a text language (or an `Accept-Language` header's first tag). */
function pageLanguage(language: string | undefined): PageLanguage {
  return (languageChain(language?.split(',')[0]?.split(';')[0]?.trim(), 'en').find((tag) => tag in WORDS) ?? 'en') as PageLanguage;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function html(status: number, language: string, title: string, body: string): RouteResult {
  return {
    status,
    // The token is in the URL: no page it leads to may learn it from the Referer.
    headers: { 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' },
    raw: {
      contentType: 'text/html; charset=utf-8',
      text: `<!doctype html><html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
    },
  };
}

/** The page for a link that is not one of ours, or was cut: in the browser's language. */
function invalidPage(request: RouteRequest): RouteResult {
  const language = pageLanguage(request.headers['accept-language']);
  const [title, text] = WORDS[language].invalid;
  return html(400, language, title, `<p>${escapeHtml(text)}</p>`);
}

function gonePage(language: string | undefined): RouteResult {
  const lang = pageLanguage(language);
  const [title, text] = WORDS[lang].gone;
  return html(410, lang, title, `<p>${escapeHtml(text)}</p>`);
}

function offerPage(page: ReactivationPage): RouteResult {
  const words = WORDS[pageLanguage(page.language)];
  const button = page.callBack ? `<form method="post"><button type="submit">${escapeHtml(words.callBack)}</button></form>` : '';
  return html(200, page.language, page.subject, `<p>${escapeHtml(page.text)}</p>${button}`);
}

/**
 * Tracked links (`GET /r/{token}`) and the reactivation page's call-back (`POST /r/{token}`). The
 * sealed token is the authentication: no API key. A HEAD or a link preview leads where a click
 * would, without counting as one.
 */
export function linkRoutes(deps: EngineDeps, linkKey: string): Route[] {
  const claimOf = (request: RouteRequest): LinkClaim | undefined => openLinkToken(request.params.token ?? '', linkKey);
  const follow = async (request: RouteRequest): Promise<RouteResult> => {
    const claim = claimOf(request);
    if (!claim) return invalidPage(request);
    const destination = await followLink(deps, claim, { countsAsClick: countsAsClick(request) });
    if (destination.kind === 'gone') return gonePage(request.headers['accept-language']);
    if (destination.kind === 'redirect')
      return { status: 302, headers: { location: destination.url, 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' } };
    return offerPage(destination.page);
  };
  return [
    { method: 'GET', path: '/r/{token}', selfAuthenticated: true, answersHead: true, handler: follow },
    {
      method: 'POST',
      path: '/r/{token}',
      selfAuthenticated: true,
      rawBody: true,
      handler: async (request) => {
        const claim = claimOf(request);
        if (!claim) return invalidPage(request);
        const destination = await followLink(deps, claim, { countsAsClick: false });
        if (destination.kind !== 'page' || !destination.page.callBack || !(await requestCallBack(deps, claim)))
          return gonePage(destination.kind === 'page' ? destination.page.language : request.headers['accept-language']);
        const language = pageLanguage(destination.page.language);
        return html(200, destination.page.language, destination.page.subject, `<p>${escapeHtml(WORDS[language].thanks)}</p>`);
      },
    },
  ];
}
