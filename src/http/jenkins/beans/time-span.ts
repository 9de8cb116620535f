/** Jenkins' `Util.getTimeSpanString`: "45 ms", "0.12 sec", "4.9 sec", "12 sec", "3 min 5 sec", "2 hr 1 min", … */
export function timeSpan(ms: number): string {
  const duration = Math.max(0, ms);
  if (duration < 100) return `${Math.round(duration)} ms`;
  if (duration < 1000) return `${(duration / 1000).toFixed(2)} sec`;
  if (duration < 10_000) return `${(duration / 1000).toFixed(1)} sec`;
  const seconds = Math.floor(duration / 1000);
  if (seconds < 60) return `${seconds} sec`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} sec`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} hr ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days} day${days === 1 ? '' : 's'} ${hours % 24} hr`;
  const months = Math.floor(days / 30);
  if (months < 12) return `${months} mo ${days % 30} day${days % 30 === 1 ? '' : 's'}`;
  return `${Math.floor(months / 12)} yr ${months % 12} mo`;
}
