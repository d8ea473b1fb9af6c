/** The time now, ticking every `everyMs` while `active` (a run still open), so live durations grow. */
import { useEffect, useState } from 'react';

export function useNow(active: boolean, everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [active, everyMs]);
  return now;
}
