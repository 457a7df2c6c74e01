/**
 * The report in a real browser: headless Chromium opens report.html from
 * disk and checks what an analyst would see. Fails (does not skip) when
 * Chromium is missing, unless SEGMENTA_SKIP_BROWSER=1.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../src/report/index.ts';
import { browserTestsSkipped, launchChromium, type ChromiumSession } from '../helpers/chromium.ts';
import { DEFAULT_NAMES, createFakeRun } from './fakeRun.ts';

const SCREENSHOT = fileURLToPath(new URL('../../reports/screenshots/report.png', import.meta.url));

/** What a page did while loading: every request it made and every error it logged. */
interface PageLog {
  requests: string[];
  errors: string[];
}

async function openReport(session: ChromiumSession, file: string): Promise<{ page: Page; log: PageLog; url: string }> {
  const page = await session.context.newPage();
  const log: PageLog = { requests: [], errors: [] };
  // Registered before navigation, so the document request itself is recorded too.
  page.on('request', (request) => log.requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') log.errors.push(message.text());
  });
  page.on('pageerror', (error) => log.errors.push(error.message));
  const url = pathToFileURL(file).href;
  await page.goto(url, { waitUntil: 'load' });
  return { page, log, url };
}

describe('report in headless Chromium', () => {
  it('fails with the fix in the message when Chromium is missing', async () => {
    await expect(launchChromium({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(
      /Chromium not found at \/nonexistent\/chromium: install it with "apt-get update && apt-get install -y chromium".*SEGMENTA_SKIP_BROWSER=1/,
    );
  });

  describe.skipIf(browserTestsSkipped())('with a browser', () => {
    const temps: string[] = [];
    let session: ChromiumSession;

    beforeAll(async () => {
      session = await launchChromium({ viewport: { width: 1280, height: 900 } });
    });
    afterAll(async () => {
      await session?.close();
      await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
    });

    async function reportFile(names?: string[]): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), 'segmenta-report-browser-'));
      temps.push(dir);
      await createFakeRun({ dir, names });
      return writeReport(dir);
    }

    it('shows every segment and chart offline, without errors, and saves a screenshot', async () => {
      const file = await reportFile();
      const { page, log, url } = await openReport(session, file);

      expect(log.errors).toEqual([]);
      // The document itself is the only request: no font, script, image or beacon.
      expect(log.requests).toEqual([url]);

      for (const name of DEFAULT_NAMES) {
        const card = page.locator('article.card h3', { hasText: name });
        expect(await card.count(), name).toBe(1);
        expect(await card.isVisible(), name).toBe(true);
        expect(await page.locator('table.segments a.seg-name', { hasText: name }).isVisible(), name).toBe(true);
      }

      const charts = await page.$$eval('figure.chart svg', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          let drawn = 0;
          for (const mark of svg.querySelectorAll('.role-mark path, .role-mark rect, .role-mark line, .role-mark text')) {
            const b = (mark as SVGGraphicsElement).getBBox();
            if (b.width > 0 || b.height > 0) drawn++;
          }
          return { chart: svg.getAttribute('data-chart'), width: box.width, height: box.height, drawn };
        }),
      );
      expect(charts.map((c) => c.chart)).toEqual(['sizes', 'profile', 'map', 'rfm', 'lifecycle', 'kscan', 'stability']);
      for (const chart of charts) {
        expect(chart.width, chart.chart!).toBeGreaterThan(100);
        expect(chart.height, chart.chart!).toBeGreaterThan(50);
        expect(chart.drawn, chart.chart!).toBeGreaterThan(3);
      }
      // The page fits the window: nothing forces a horizontal scroll bar.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.close();
    });

    it('shows hostile segment names as text and runs none of them', async () => {
      const hostile = `<script>window.__pwned = 1</script> "Big" & 'bold'`;
      const injected = `<img src=x onerror="window.__pwned = 2">`;
      const file = await reportFile([hostile, injected, 'Plain']);
      const { page, log, url } = await openReport(session, file);

      expect(log.errors).toEqual([]);
      expect(log.requests).toEqual([url]);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('script, img').count()).toBe(0);
      const headings = await page.locator('article.card h3').allTextContents();
      expect(headings).toEqual([hostile, injected, 'Plain']);
      await page.close();
    });
  });
});
