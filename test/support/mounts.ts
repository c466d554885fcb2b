import fs from 'node:fs';

/** The filesystem type the kernel gives the mount holding `dir` (/proc/mounts: the longest mount point above it). */
export function kernelFsType(dir: string): string | undefined {
  const real = fs.realpathSync(dir);
  let best: { point: string; type: string } | undefined;
  for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [, rawPoint, type] = line.split(' ');
    if (!rawPoint || !type) continue;
    const point = rawPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const above = point === '/' || real === point || real.startsWith(point + '/');
    if (above && (!best || point.length >= best.point.length)) best = { point, type };
  }
  return best?.type;
}
