import { useEffect, useState } from 'react';

/** The time, advancing once per `everyMs` so ages ("12s") stay true without any data being polled. */
export function useClock(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
