import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';

/** Debian's Chromium; never a browser download. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const INSTALL = 'apt-get install -y chromium';

/**
 * The browser tests need Debian's Chromium. Missing: installed here when we are root with apt-get
 * (CI, containers), otherwise the test fails saying how to install it. It is never skipped.
 */
export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM_PATH)) return;
  const canInstall = process.getuid?.() === 0 && fs.existsSync('/usr/bin/apt-get') && process.env.CHROMIUM_PATH === undefined;
  if (!canInstall) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install Debian's package (\`sudo ${INSTALL}\`) or set CHROMIUM_PATH; the browser tests never download a browser.`);
  }
  process.stderr.write(`browser tests: ${CHROMIUM_PATH} is missing; running \`${INSTALL}\`\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args: string[]): number | null => spawnSync('apt-get', args, { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 }).status;
  if (apt('install', '-y', 'chromium') !== 0) {
    apt('update'); // a fresh machine may not have package lists yet
    if (apt('install', '-y', 'chromium') !== 0 || !fs.existsSync(CHROMIUM_PATH)) {
      throw new Error(`\`${INSTALL}\` failed; install Chromium by hand (or set CHROMIUM_PATH) and rerun.`);
    }
  }
}

/** Headless Chromium with the flags this machine's closed network needs (playwright gives it a fresh temporary profile). */
export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/** Failure screenshots: kept outside the checkout; the path is printed by the test that writes there. */
export function artifactsDir(name: string): string {
  const root = process.env.E2E_ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'netops-e2e-artifacts');
  const dir = path.join(root, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** An IPv4 address of this machine other than loopback, as another machine would use. */
export function nonLoopbackAddress(): string {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
  if (address === undefined) throw new Error('This machine has no non-loopback IPv4 address to load /docs through');
  return address.address;
}
