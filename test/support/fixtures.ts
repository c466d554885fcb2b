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

/** Every entry below dir with its kind, mode, mtime and content (or link text), one line each: "byte-identical" made comparable. */
export function treeState(dir: string): string {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const st = fs.lstatSync(full);
    const what = st.isSymbolicLink() ? `link ${fs.readlinkSync(full)}` : st.isFile() ? `file ${fs.readFileSync(full).toString('base64')} ${st.mtimeMs}` : st.isDirectory() ? 'dir' : 'other';
    out.push(`${path.relative(dir, full)} ${what} ${(st.mode & 0o7777).toString(8)}`);
  }
  return out.sort().join('\n');
}
