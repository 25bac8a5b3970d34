import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * A page file opened in headless Chromium (Debian's, as .ci/run installs it) as a person opens it
 * from disk, with every request but the file itself recorded and refused: what the browser tests
 * of the reports check a self-contained page against.
 */

/** The flags that keep Chromium quiet on a machine with no network and no GPU. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

export interface OfflinePage {
  page: Page;
  /** Every URL the page tried to load besides its own file. */
  requests: string[];
  /** Console errors and uncaught page errors, in order. */
  consoleErrors: string[];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Opens `file` at 1280×900 and waits for it to load. */
export async function openOffline(file: string): Promise<OfflinePage> {
  const path = resolve(file);
  const profileDir = mkdtempSync(join(tmpdir(), 'winback-chromium-'));
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1280, height: 900 },
    });
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') && resolve(new URL(url).pathname) === path) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    const opened = context;
    return {
      page,
      requests,
      consoleErrors,
      close: async () => {
        await opened.close();
        rmSync(profileDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await context?.close();
    rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }
}

/** A chart as laid out: its `data-chart` id, how many data marks its SVG drew, and its size. */
export interface RenderedChart {
  id: string | null;
  marks: number;
  width: number;
  height: number;
}

/** Every `figure.chart` of the page, in order. */
export function renderedCharts(page: Page): Promise<RenderedChart[]> {
  return page.locator('figure.chart').evaluateAll((figures) =>
    figures.map((figure) => {
      const svg = figure.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      return {
        id: figure.getAttribute('data-chart'),
        marks: svg ? svg.querySelectorAll('.role-mark > *').length : 0,
        width: box?.width ?? 0,
        height: box?.height ?? 0,
      };
    }),
  );
}
