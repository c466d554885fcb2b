import fs from 'node:fs/promises';
import path from 'node:path';
import { LINK_PROBE_PREFIX } from '../root/format';
import { errnoCode } from './errors';

/** Creates a file and a hard link to it in `dir`; ok when link(2) works there. */
export async function probeHardLinks(dir: string): Promise<{ ok: boolean; error?: string }> {
  const a = path.join(dir, `${LINK_PROBE_PREFIX}${process.pid}-${Date.now()}`);
  const b = `${a}.link`;
  try {
    await fs.writeFile(a, '');
    await fs.link(a, b);
    const [sa, sb] = await Promise.all([fs.lstat(a), fs.lstat(b)]);
    return sa.ino === sb.ino ? { ok: true } : { ok: false, error: 'the link got its own inode' };
  } catch (err) {
    return { ok: false, error: errnoCode(err) ?? (err as Error).message };
  } finally {
    await fs.rm(a, { force: true });
    await fs.rm(b, { force: true });
  }
}
