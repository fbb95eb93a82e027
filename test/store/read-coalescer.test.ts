import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_BATCH, ReadCoalescer } from '../../src/store/read-coalescer.js';

/** A readMany that records each batch and answers when told to. */
function controlled(): {
  batches: string[][];
  answer: (index: number, values?: string[]) => void;
  fail: (index: number, err: Error) => void;
  reader: ReadCoalescer<string, string>;
} {
  const batches: string[][] = [];
  const pending: Array<{ resolve: (v: string[]) => void; reject: (e: Error) => void }> = [];
  const reader = new ReadCoalescer<string, string>((keys) => {
    batches.push(keys);
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  });
  return {
    batches,
    reader,
    answer: (index, values) => pending[index]?.resolve(values ?? (batches[index] as string[]).map((k) => `v:${k}`)),
    fail: (index, err) => pending[index]?.reject(err),
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ReadCoalescer', () => {
  it('sends a lone read at once, without waiting for the event loop', () => {
    const { reader, batches } = controlled();
    void reader.load('a');
    assert.deepEqual(batches, [['a']]);
  });

  it('batches the reads issued while another is in flight into one call', async () => {
    const { reader, batches, answer } = controlled();
    const first = reader.load('a');
    const rest = ['b', 'c', 'b'].map((k) => reader.load(k));
    assert.equal(batches.length, 1);
    await turn();
    assert.deepEqual(batches, [['a'], ['b', 'c', 'b']]);
    answer(1);
    answer(0);
    assert.deepEqual(await Promise.all([first, ...rest]), ['v:a', 'v:b', 'v:c', 'v:b']);
  });

  it('never answers a read from a batch sent before it was issued', async () => {
    const { reader, batches, answer } = controlled();
    const early = reader.load('x');
    const late = reader.load('x');
    answer(0, ['old']);
    assert.equal(await early, 'old');
    await turn();
    assert.deepEqual(batches, [['x'], ['x']]);
    answer(1, ['new']);
    assert.equal(await late, 'new');
  });

  it('a failed batch fails its own reads only', async () => {
    const { reader, answer, fail } = controlled();
    const first = reader.load('a');
    const second = [reader.load('b'), reader.load('c')];
    await turn();
    fail(1, new Error('connection lost'));
    answer(0);
    assert.equal(await first, 'v:a');
    for (const read of second) await assert.rejects(read, /connection lost/);
  });

  it('rejects every read of a batch answered with the wrong number of values', async () => {
    const { reader, answer } = controlled();
    const first = reader.load('a');
    const second = [reader.load('b'), reader.load('c')];
    await turn();
    answer(1, ['only one']);
    answer(0);
    await first;
    for (const read of second) await assert.rejects(read, /1 values for 2 keys/);
  });

  it('a readMany that throws synchronously rejects its reads', async () => {
    const reader = new ReadCoalescer<string, string>(() => {
      throw new Error('bad key');
    });
    await assert.rejects(reader.load('a'), /bad key/);
    // The failure left nothing in flight: the next read is sent at once again.
    await assert.rejects(reader.load('b'), /bad key/);
  });

  it(`splits a long queue into batches of at most ${MAX_BATCH}`, async () => {
    const { reader, batches, answer } = controlled();
    const reads = [reader.load('first')];
    for (let i = 0; i < MAX_BATCH + 10; i++) reads.push(reader.load(`k${i}`));
    await turn();
    assert.deepEqual(batches.map((b) => b.length), [1, MAX_BATCH, 10]);
    batches.forEach((_, i) => answer(i));
    const values = await Promise.all(reads);
    assert.equal(values[MAX_BATCH + 10], `v:k${MAX_BATCH + 9}`);
  });

  it('goes back to sending at once when nothing is in flight', async () => {
    const { reader, batches, answer } = controlled();
    const a = reader.load('a');
    answer(0);
    await a;
    void reader.load('b');
    assert.deepEqual(batches, [['a'], ['b']]);
  });
});
