/** One panel's figures: asked again when its inputs change; the previous answer stays on show meanwhile. */
import { useEffect, useState } from 'react';

export type Answer<T> = { value: T | null; error: string | null };

export function useAnswer<T>(ask: () => Promise<T>, key: string): Answer<T> {
  const [answer, setAnswer] = useState<Answer<T>>({ value: null, error: null });
  useEffect(() => {
    let active = true;
    ask().then(
      (value) => active && setAnswer({ value, error: null }),
      (error: Error) => active && setAnswer((before) => ({ value: before.value, error: error.message })),
    );
    return () => {
      active = false;
    };
    // `ask` is a new closure each render; `key` names what it asks for.
  }, [key]);
  return answer;
}
