import { useTemporaryDataDir } from './data-dir';

export default function unitGlobalSetup(): void {
  useTemporaryDataDir();
}
