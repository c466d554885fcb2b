import fs from 'node:fs/promises';
import path from 'node:path';
import { fsPath } from '../util/nameBytes';
import { lineText } from './hitParser';

/** The lines of working files, read once each (a missing, unreadable or binary file has none). */
export class WorkingLines {
  private readonly files = new Map<string, Promise<Set<string>>>();

  constructor(private readonly folder: string) {}

  of(rel: string): Promise<Set<string>> {
    let lines = this.files.get(rel);
    if (!lines) this.files.set(rel, (lines = this.read(rel)));
    return lines;
  }

  private async read(rel: string): Promise<Set<string>> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(fsPath(path.join(this.folder, rel)));
    } catch {
      return new Set();
    }
    if (bytes.indexOf(0) >= 0) return new Set();
    const lines = new Set<string>();
    let at = 0;
    for (let nl = bytes.indexOf(10); at <= bytes.length; nl = bytes.indexOf(10, at)) {
      const end = nl < 0 ? bytes.length : nl;
      lines.add(lineText(bytes.subarray(at, end)));
      at = end + 1;
    }
    return lines;
  }
}
