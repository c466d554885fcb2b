import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeTree } from '../../src/core/util/removeTree';

/** Temp folders for one test file: `const tmp = tempDirs(); tmp.make('name')`; `after(() => tmp.cleanup())`. */
export function tempDirs() {
  const made: string[] = [];
  return {
    make(prefix = 'rs-test'): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
      made.push(dir);
      return dir;
    },
    async cleanup(): Promise<void> {
      for (const dir of made.splice(0)) await removeTree(dir);
    },
  };
}

/** Writes files (string or Buffer content) under dir, creating folders; a value of null makes an empty folder. */
export function writeTree(dir: string, files: Record<string, string | Buffer | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    if (content === null) {
      fs.mkdirSync(file, { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
}

export function inode(file: string): number {
  return fs.lstatSync(file).ino;
}
