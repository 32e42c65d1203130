import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CHECKOUT_DATA_DIR = path.resolve(__dirname, '..', '..', '.data');

/**
 * Tests never write into the checkout: every run gets a DATA_DIR of its own under the system temp folder
 * (development secrets, local KMS keys), inherited by the workers and by every service a test spawns.
 */
export function useTemporaryDataDir(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netops-test-data-'));
  process.env.DATA_DIR = dir;
  process.env.TEST_DATA_DIRS = [process.env.TEST_DATA_DIRS, dir].filter(Boolean).join(path.delimiter);
  process.env.TEST_CHECKOUT_DATA_EXISTED ??= String(fs.existsSync(CHECKOUT_DATA_DIR));
}

/** Removes the temporary folders; fails the run if something wrote into the checkout's ./.data after all. */
export function removeTemporaryDataDirs(): void {
  for (const dir of (process.env.TEST_DATA_DIRS ?? '').split(path.delimiter).filter(Boolean)) fs.rmSync(dir, { recursive: true, force: true });
  process.env.TEST_DATA_DIRS = '';
  if (process.env.TEST_CHECKOUT_DATA_EXISTED === 'false' && fs.existsSync(CHECKOUT_DATA_DIR)) {
    throw new Error(`A test wrote into ${CHECKOUT_DATA_DIR}; tests must use the temporary DATA_DIR`);
  }
}
