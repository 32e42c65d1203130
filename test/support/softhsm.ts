import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ensureDebianPackage } from './engines';

const MODULE_PATHS = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'];

function findModule(): string | undefined {
  return MODULE_PATHS.find((p) => fs.existsSync(p));
}

let cached: { modulePath: string } | { skip: string } | undefined;

/**
 * SoftHSM2 for the PKCS#11 tests: found, or installed with apt-get when running
 * as root (Debian package `softhsm2`), or a reason to skip that the test prints.
 */
export function ensureSoftHsm(): { modulePath: string } | { skip: string } {
  if (cached) return cached;
  // The module and its tool come in one package: installed when both are missing, as ensureDebianPackage does.
  if (findModule() === undefined) ensureDebianPackage('softhsm2-util', 'softhsm2');
  const modulePath = findModule();
  if (modulePath === undefined || spawnSync('which', ['softhsm2-util']).status !== 0) {
    cached = { skip: 'SKIPPED PKCS#11 tests: SoftHSM2 is not installed and could not be installed (needs root and apt-get: `apt-get install -y softhsm2`)' };
  } else {
    const problem = softHsmStoreProblem();
    cached = problem === undefined ? { modulePath } : { skip: problem };
  }
  return cached;
}

/**
 * Initialises a token with this label in the SoftHSM2 store the library will use.
 * Jest gives each test file a copy of process.env, so the native library only
 * sees the environment the test run started with: SOFTHSM2_CONF when exported
 * before `npm test`, otherwise the system default (/etc/softhsm/softhsm2.conf).
 * Labels are unique per run; deleteSoftHsmToken removes them afterwards.
 */
export function createSoftHsmToken(tokenLabel: string, pin: string): void {
  const result = spawnSync('softhsm2-util', ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', `${pin}-so`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`softhsm2-util --init-token failed: ${result.stderr || result.stdout}`);
}

export function deleteSoftHsmToken(tokenLabel: string): void {
  spawnSync('softhsm2-util', ['--delete-token', '--token', tokenLabel], { stdio: 'ignore' });
}

/** Whether this process may create tokens in the store the library uses; a reason to skip otherwise. */
export function softHsmStoreProblem(): string | undefined {
  const conf = process.env.SOFTHSM2_CONF ?? '/etc/softhsm/softhsm2.conf';
  let tokenDir: string | undefined;
  try {
    tokenDir = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(fs.readFileSync(conf, 'utf8'))?.[1];
  } catch {
    return `SKIPPED PKCS#11 tests: cannot read the SoftHSM2 configuration ${conf}`;
  }
  try {
    if (tokenDir === undefined) throw new Error('no tokendir');
    fs.accessSync(tokenDir, fs.constants.W_OK);
  } catch {
    return `SKIPPED PKCS#11 tests: the SoftHSM2 token directory ${tokenDir ?? '(unset)'} is not writable; export SOFTHSM2_CONF pointing at a config with a writable directories.tokendir before running the tests`;
  }
  return undefined;
}
