/** "just now", "5 min ago", "3 h ago", "2 days ago" — for descriptions and quick picks. */
export function relativeAge(time: Date, now = new Date()): string {
  const s = Math.max(0, Math.round((now.getTime() - time.getTime()) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 60) return d === 1 ? 'yesterday' : `${d} days ago`;
  const mo = Math.round(d / 30);
  return mo < 24 ? `${mo} months ago` : `${Math.round(d / 365)} years ago`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local "2026-06-17 02:00" (seconds when asked). */
export function shortDateTime(time: Date, seconds = false): string {
  const base = `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ${pad(time.getHours())}:${pad(time.getMinutes())}`;
  return seconds ? `${base}:${pad(time.getSeconds())}` : base;
}
