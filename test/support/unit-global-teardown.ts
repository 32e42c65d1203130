import { removeTemporaryDataDirs } from './data-dir';

export default function unitGlobalTeardown(): void {
  removeTemporaryDataDirs();
}
