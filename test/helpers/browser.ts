/**
 * A real headless Chromium for the browser tests: Debian's `/usr/bin/chromium` driven by playwright-core,
 * never a downloaded browser. The flags keep it off the network this machine does not have (without
 * `--disable-background-networking` it opens many refused connections at every start) and off the GPU.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CORCH_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests are skipped, or undefined when Chromium is there. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium)`;

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies and storage); closed with the browser. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium (playwright gives it a fresh temporary profile); call `close()` in `afterAll`.
 * `extraArgs` add Chromium flags, e.g. `--host-resolver-rules=MAP attacker.test 127.0.0.1` to give a
 * loopback server another site's name.
 */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
  return {
    browser,
    newContext: (options) => browser.newContext(options),
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}
