/**
 * Headless Chromium for tests that need a real browser (the report today).
 *
 * Uses the system Chromium through `playwright-core`, which ships no browser
 * of its own: CI installs it with `apt-get install -y chromium`. A missing
 * browser is an error with the fix in its message, never a silent skip; only
 * `SEGMENTA_SKIP_BROWSER=1` turns browser tests off on purpose.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where the system Chromium lives; `SEGMENTA_CHROMIUM` overrides it. */
export const CHROMIUM_PATH = process.env.SEGMENTA_CHROMIUM || '/usr/bin/chromium';

/**
 * Flags for a quiet, offline-friendly browser: no sandbox (tests run as root
 * in CI), no GPU, and none of Chromium's own background traffic (updates,
 * sync, QUIC probes), so every request a page makes is one the page asked for.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** True when browser tests were turned off on purpose with `SEGMENTA_SKIP_BROWSER=1`. */
export function browserTestsSkipped(): boolean {
  return process.env.SEGMENTA_SKIP_BROWSER === '1';
}

/** A running browser with a fresh profile; `close()` ends it and removes the profile. */
export interface ChromiumSession {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh user-data directory.
 *
 * @throws Error naming the missing path and how to install Chromium, when it is not there.
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number }; executablePath?: string } = {},
): Promise<ChromiumSession> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it with "apt-get update && apt-get install -y chromium" ` +
        '(or point SEGMENTA_CHROMIUM at it), or set SEGMENTA_SKIP_BROWSER=1 to skip the browser tests',
    );
  }
  // Playwright refuses --user-data-dir in args; a persistent context is how
  // it takes one, and a new temp directory makes the profile fresh each time.
  const userDataDir = await mkdtemp(join(tmpdir(), 'segmenta-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
    });
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        await rm(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
