/**
 * This process's operations that have changed one store and not yet the other (a Redis win
 * whose PostgreSQL write is under way; a confirm, release or cancel PostgreSQL took and Redis
 * has yet to follow), by event. The reconciler waits for those under way at its first reading
 * before it takes the second, so what it repairs is drift, not work in progress.
 */
export class InTransit {
  readonly #byEvent = new Map<string, Set<Promise<unknown>>>();

  /** Registers an operation on the event until it settles; returns it unchanged. */
  track<T>(eventId: string, operation: Promise<T>): Promise<T> {
    const registered = this.#byEvent.get(eventId) ?? new Set<Promise<unknown>>();
    this.#byEvent.set(eventId, registered);
    registered.add(operation);
    const forget = () => {
      registered.delete(operation);
      if (registered.size === 0 && this.#byEvent.get(eventId) === registered) this.#byEvent.delete(eventId);
    };
    operation.then(forget, forget);
    return operation;
  }

  /** Registers an operation on the event that ends when the returned function is first called. */
  open(eventId: string): () => void {
    let end = () => {};
    this.track(
      eventId,
      new Promise<void>((resolve) => {
        end = resolve;
      }),
    );
    return end;
  }

  /** Resolves once every operation on the event under way now has settled (later ones are not waited for). */
  async settled(eventId: string): Promise<void> {
    const pending = this.#byEvent.get(eventId);
    if (pending !== undefined) await Promise.allSettled([...pending]);
  }
}
