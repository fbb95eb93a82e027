/**
 * The loop every log-reading feed shares (PostgreSQL, MySQL, SQLite): read from the cursor on a
 * wake-up or a heartbeat, apply, confirm currency as of the moment the read was sent; on failure
 * report it, drop the connection and reconnect with backoff, resuming from the same cursor.
 */
import type { RevocationEntry, RevocationSink } from './types.js';

/** One backend's connection to its log. The reader keeps its own cursor across reconnects. */
export interface LogReader {
  /** Opens the connection; `wake` may be called whenever new entries may be there. */
  connect(wake: () => void, fail: (err: unknown) => void): Promise<void>;
  /** Entries after the cursor; advances the cursor only past what can no longer change. */
  read(): Promise<RevocationEntry[]>;
  /** Closes the connection (also after a failure). Never throws. */
  disconnect(): Promise<void>;
}

/** Timing of a {@link LogFollower}. */
export interface LogFollowerOptions {
  /** Read at least this often even without a wake-up (default 200 ms); bounds the staleness. */
  heartbeatMs?: number;
  /** Longest wait between reconnection attempts (default 1000 ms). */
  maxBackoffMs?: number;
}

/** Drives a {@link LogReader} and feeds a sink. */
export class LogFollower {
  readonly #reader: LogReader;
  readonly #heartbeatMs: number;
  readonly #maxBackoffMs: number;
  #sink: RevocationSink | undefined;
  #connected = false;
  #closed = false;
  #reading: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #backoffMs = 50;

  constructor(reader: LogReader, options: LogFollowerOptions = {}) {
    this.#reader = reader;
    this.#heartbeatMs = options.heartbeatMs ?? 200;
    this.#maxBackoffMs = options.maxBackoffMs ?? 1000;
  }

  /** Connects, applies the whole log as the initial state, then follows it. */
  async start(sink: RevocationSink): Promise<void> {
    this.#sink = sink;
    await this.#reader.connect(() => this.#wake(), (err) => this.#fail(err));
    this.#connected = true;
    const sentAt = Date.now();
    sink.replace(await this.#reader.read());
    sink.current(sentAt);
    this.#schedule(this.#heartbeatMs);
  }

  /** Stops following and closes the connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#reading?.catch(() => {});
    await this.#reader.disconnect();
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.#wake(), delayMs);
    this.#timer.unref();
  }

  #wake(): void {
    if (this.#closed) return;
    if (this.#reading !== undefined) {
      this.#again = true;
      return;
    }
    this.#reading = this.#step().finally(() => {
      this.#reading = undefined;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.#wake();
      }
    });
  }

  async #step(): Promise<void> {
    const sink = this.#sink;
    if (sink === undefined) return;
    try {
      if (!this.#connected) {
        await this.#reader.connect(() => this.#wake(), (err) => this.#fail(err));
        this.#connected = true;
        this.#backoffMs = 50;
      }
      const sentAt = Date.now();
      const entries = await this.#reader.read();
      if (entries.length > 0) sink.apply(entries);
      if (this.#connected) sink.current(sentAt);
      this.#schedule(this.#heartbeatMs);
    } catch (err) {
      this.#fail(err);
    }
  }

  #fail(err: unknown): void {
    if (this.#closed) return;
    this.#sink?.error(err);
    this.#connected = false;
    void this.#reader.disconnect();
    this.#schedule(this.#backoffMs);
    this.#backoffMs = Math.min(this.#backoffMs * 2, this.#maxBackoffMs);
  }
}
