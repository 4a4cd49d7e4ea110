import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { type MouseEvent, parseMouse } from '../keys/mouse.js';

/** Calls `handler` for every mouse report Ink reads from stdin (the key handler drops them). */
export function useMouse(handler: (event: MouseEvent) => void): void {
  const { internal_eventEmitter: input } = useStdin();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const onInput = (data: string) => {
      const event = parseMouse(data);
      if (event) latest.current(event);
    };
    input.on('input', onInput);
    return () => {
      input.removeListener('input', onInput);
    };
  }, [input]);
}
