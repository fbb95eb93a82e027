/**
 * A one-to-many index (subject -> records, family -> records) that keeps a single value inline
 * and allocates a Set only for keys with several values: most subjects own few tokens, and a
 * Set per key would cost more than the record itself.
 */
export class MultiIndex<V extends object> {
  readonly #map = new Map<string, V | Set<V>>();

  /** Adds `value` under `key`. */
  add(key: string, value: V): void {
    const current = this.#map.get(key);
    if (current === undefined) this.#map.set(key, value);
    else if (current instanceof Set) current.add(value);
    else if (current !== value) this.#map.set(key, new Set([current, value]));
  }

  /** Removes `value` from `key`; the key disappears with its last value. */
  remove(key: string, value: V): void {
    const current = this.#map.get(key);
    if (current === undefined) return;
    if (current instanceof Set) {
      current.delete(value);
      if (current.size === 1) this.#map.set(key, current.values().next().value as V);
      else if (current.size === 0) this.#map.delete(key);
    } else if (current === value) {
      this.#map.delete(key);
    }
  }

  /** The values under `key` (a snapshot, safe to mutate the index while iterating). */
  get(key: string): V[] {
    const current = this.#map.get(key);
    if (current === undefined) return [];
    return current instanceof Set ? [...current] : [current];
  }

  /** Forgets everything. */
  clear(): void {
    this.#map.clear();
  }
}
