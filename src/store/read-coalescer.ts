/**
 * Coalescing of concurrent point reads (getByHash, get, isRevoked) into one batched round trip.
 *
 * A network store spends most of a point read on the round trip itself: one socket write, one
 * wake-up, one reply to parse, and on the server one command to run. When many reads are issued
 * at once, sending them as one batch pays those costs once. A read issued while nothing is in
 * flight goes out at once, so a lone caller waits no longer than before; a read issued while
 * others are in flight waits for the end of the current event-loop turn, where it joins every
 * read queued in that turn.
 *
 * Freshness: a batch is always a new query, sent after every read in it was issued. A read is
 * never answered from a reply that was already on its way, so a revocation that completed before
 * a read began is always seen by that read.
 */

/** A read waiting for its batch. */
interface Waiting<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (reason: unknown) => void;
}

/** Most reads in one batch: bounds how long one batched command or query runs on the server. */
export const MAX_BATCH = 256;

/**
 * Batches concurrent reads. `readMany` answers a batch: its result has one entry per key, in the
 * keys' order; a rejection fails every read of that batch.
 * @example
 * const reads = new ReadCoalescer((keys) => db.selectMany(keys));
 * const [a, b] = await Promise.all([reads.load('x'), reads.load('y')]); // one query
 */
export class ReadCoalescer<K, V> {
  readonly #readMany: (keys: K[]) => Promise<V[]>;
  #inFlight = 0;
  #queue: Array<Waiting<K, V>> = [];
  #scheduled = false;

  constructor(readMany: (keys: K[]) => Promise<V[]>) {
    this.#readMany = readMany;
  }

  /** Resolves to the value for `key`, read in a batch with the reads issued alongside it. */
  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      this.#queue.push({ key, resolve, reject });
      if (this.#inFlight === 0 && !this.#scheduled) {
        this.#flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(this.#flushScheduled);
      }
    });
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.#flush();
  };

  #flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.length <= MAX_BATCH ? this.#queue : this.#queue.slice(0, MAX_BATCH);
      this.#queue = batch === this.#queue ? [] : this.#queue.slice(MAX_BATCH);
      this.#send(batch);
    }
  }

  #send(batch: Array<Waiting<K, V>>): void {
    this.#inFlight++;
    let reply: Promise<V[]>;
    try {
      reply = this.#readMany(batch.map((w) => w.key));
    } catch (err) {
      reply = Promise.reject(err);
    }
    reply.then(
      (values) => {
        this.#inFlight--;
        if (!Array.isArray(values) || values.length !== batch.length) {
          const err = new Error(`batched read answered ${Array.isArray(values) ? values.length : 'no'} values for ${batch.length} keys`);
          for (const w of batch) w.reject(err);
          return;
        }
        for (let i = 0; i < batch.length; i++) (batch[i] as Waiting<K, V>).resolve(values[i] as V);
      },
      (err: unknown) => {
        this.#inFlight--;
        for (const w of batch) w.reject(err);
      },
    );
  }
}
