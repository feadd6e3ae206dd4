/**
 * Runs tasks one at a time per key, in arrival order; different keys run concurrently. Two deliveries for one site
 * must not both read "version 1 is stored" and race to write: the second waits for the first to finish.
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();

  return function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The chain continues after a failed task: one bad write must not block the site for good.
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key); // keeps the map as small as the keys in flight
    });
    return result;
  };
}

export type KeyedQueue = ReturnType<typeof createKeyedQueue>;
