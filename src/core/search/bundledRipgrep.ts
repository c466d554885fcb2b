import fs from 'node:fs';
import path from 'node:path';

/**
 * The ripgrep an editor ships under its install folder (VS Code's `appRoot`): `@vscode/ripgrep` (older builds, also
 * unpacked from the asar) or `@vscode/ripgrep-universal` (one binary per platform); undefined when none is there.
 */
export function bundledRipgrep(appRoot: string, platform: string = process.platform, arch: string = process.arch): string | undefined {
  const exe = platform === 'win32' ? 'rg.exe' : 'rg';
  const candidates = ['node_modules', 'node_modules.asar.unpacked'].flatMap((modules) => [
    path.join(appRoot, modules, '@vscode/ripgrep/bin', exe),
    path.join(appRoot, modules, '@vscode/ripgrep-universal/bin', `${platform}-${arch}`, exe),
  ]);
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
