import type { Usage } from '../protocol/events.js';

/** Entries older than this are not served (7 days), unless the cache is configured otherwise. */
export const DEFAULT_CACHE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** The disk cache's default size bound (bytes of entry files). */
export const DEFAULT_CACHE_MAX_BYTES = 256 * 1024 * 1024;

/** A provider's finished answer to one stage request, as the stage cache keeps it. */
export interface CachedAnswer {
  output: string;
  /** The usage the provider reported: what a replay saves. */
  usage: Usage;
  finish_reason: string;
  /** Model time the answer took when it was made, in ms: what a replay saves. */
  duration_ms: number;
}

/** What `corch cache info` shows. */
export interface StageCacheInfo {
  /** Where the entries live (a directory, or a Redis URL without credentials). */
  location: string;
  entries: number;
  bytes: number;
  /** Hits served since the cache was last cleared. */
  hits: number;
  maxBytes: number;
  ttlMs: number;
}

/**
 * Answers to stage requests, by key (`stageCacheKey` in src/orchestrator). Implementations: on disk (the
 * default, shared by every `corch` process of the user), in memory (tests), in Redis (with the Redis store).
 * A cache never fails a run: `get` and `set` resolve (a miss, a skipped write) when the backing store errs.
 */
export interface StageCache {
  /** The answer stored under `key` and not yet expired; counts a hit when found. */
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, answer: CachedAnswer): Promise<void>;
  info(): Promise<StageCacheInfo>;
  /** Removes every entry; returns how many there were. */
  clear(): Promise<number>;
}

/** Options shared by the cache implementations. */
export interface StageCacheOptions {
  /** Entry lifetime in ms (default {@link DEFAULT_CACHE_TTL_MS}). */
  ttlMs?: number;
  /** Size bound in bytes (default {@link DEFAULT_CACHE_MAX_BYTES}); least recently used entries go first. */
  maxBytes?: number;
  /** Milliseconds since the epoch; injected so tests can expire entries without waiting. */
  now?: () => number;
}

/** A stage cache in this process's memory, least recently used first out; for tests and embedding. */
export class MemoryStageCache implements StageCache {
  private readonly entries = new Map<string, { answer: CachedAnswer; at: number; bytes: number }>();
  private bytes = 0;
  private hits = 0;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(options: StageCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.now = options.now ?? (() => Date.now());
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (this.now() - entry.at > this.ttlMs) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    // Re-inserted: a Map iterates in insertion order, so the front is the least recently used.
    this.entries.set(key, entry);
    this.hits++;
    return entry.answer;
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    const bytes = JSON.stringify(answer).length;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { answer, at: this.now(), bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  async info(): Promise<StageCacheInfo> {
    return { location: 'memory', entries: this.entries.size, bytes: this.bytes, hits: this.hits, maxBytes: this.maxBytes, ttlMs: this.ttlMs };
  }

  async clear(): Promise<number> {
    const n = this.entries.size;
    this.entries.clear();
    this.bytes = 0;
    this.hits = 0;
    return n;
  }
}
