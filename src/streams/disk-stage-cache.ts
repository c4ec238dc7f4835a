import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CachedAnswer,
  DEFAULT_CACHE_MAX_BYTES,
  DEFAULT_CACHE_TTL_MS,
  type StageCache,
  type StageCacheInfo,
  type StageCacheOptions,
} from './stage-cache.js';

/** A temporary file left by a writer that died before its rename is removed after this long. */
const STALE_TEMP_MS = 60 * 60 * 1000;
const ENTRY_SUFFIX = '.json';
const KEY_PATTERN = /^[0-9a-f]{16,128}$/;

/** One entry file: the answer plus when it was made (entry files are self-describing for `cache info`). */
interface EntryFile extends CachedAnswer {
  v: 1;
  created_at: number;
}

/**
 * The stage cache on disk: one JSON file per key under `<dir>/stages/`, shared by every corch process of
 * the user (two `corch run`s of one task, each with its own embedded server, hit the same entries).
 *
 * - Atomic: an entry is written to a unique temporary file and renamed over its name, so a reader (in any
 *   process) sees a whole entry or none, and two writers of one key leave one whole entry.
 * - Least recently used: a hit touches the file's mtime; after a write, when the entries pass `maxBytes`,
 *   the least recently touched go first. Expired entries (older than `ttlMs`) are removed as they are met.
 * - Hits are counted by appending one byte to `<dir>/hits` (appends are atomic), so `cache info` can say
 *   how many there were across processes.
 * - A broken or unreadable entry is a miss and is removed; an I/O error never fails a run.
 */
export class DiskStageCache implements StageCache {
  private readonly entriesDir: string;
  private readonly hitsFile: string;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly now: () => number;

  constructor(
    readonly dir: string,
    options: StageCacheOptions = {},
  ) {
    this.entriesDir = join(dir, 'stages');
    this.hitsFile = join(dir, 'hits');
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    this.now = options.now ?? (() => Date.now());
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const file = this.fileFor(key);
    if (!file) return undefined;
    let entry: EntryFile | undefined;
    try {
      entry = parseEntry(await readFile(file, 'utf8'));
    } catch {
      return undefined;
    }
    if (!entry || this.now() - entry.created_at > this.ttlMs) {
      await unlink(file).catch(() => {});
      return undefined;
    }
    const seconds = this.now() / 1000;
    await Promise.all([utimes(file, seconds, seconds).catch(() => {}), appendFile(this.hitsFile, '.').catch(() => {})]);
    return { output: entry.output, usage: entry.usage, finish_reason: entry.finish_reason, duration_ms: entry.duration_ms };
  }

  async set(key: string, answer: CachedAnswer): Promise<void> {
    const file = this.fileFor(key);
    if (!file) return;
    const entry: EntryFile = { v: 1, created_at: this.now(), ...answer };
    // Random rather than pid-based: only src/cli/ reads `process`, and 12 random bytes never collide in practice.
    const temp = `${file}.${randomBytes(12).toString('hex')}.tmp`;
    try {
      await mkdir(this.entriesDir, { recursive: true });
      await writeFile(temp, JSON.stringify(entry), { encoding: 'utf8', mode: 0o600 });
      await rename(temp, file);
      // Last use is the mtime, on this cache's clock (a hit touches it the same way).
      const seconds = this.now() / 1000;
      await utimes(file, seconds, seconds).catch(() => {});
      await this.evict();
    } catch {
      await unlink(temp).catch(() => {});
    }
  }

  async info(): Promise<StageCacheInfo> {
    const entries = await this.scan();
    let hits = 0;
    try {
      hits = (await stat(this.hitsFile)).size;
    } catch {
      // No hits yet.
    }
    return {
      location: this.dir,
      entries: entries.length,
      bytes: entries.reduce((sum, e) => sum + e.size, 0),
      hits,
      maxBytes: this.maxBytes,
      ttlMs: this.ttlMs,
    };
  }

  async clear(): Promise<number> {
    const entries = await this.scan();
    await rm(this.entriesDir, { recursive: true, force: true });
    await rm(this.hitsFile, { force: true });
    return entries.length;
  }

  private fileFor(key: string): string | null {
    // Keys are hex digests; anything else must never become a path.
    return KEY_PATTERN.test(key) ? join(this.entriesDir, `${key}${ENTRY_SUFFIX}`) : null;
  }

  /** The entry files with size and last use; stale temporary files are removed on the way. */
  private async scan(): Promise<{ path: string; size: number; usedAt: number }[]> {
    let names: string[];
    try {
      names = await readdir(this.entriesDir);
    } catch {
      return [];
    }
    const now = this.now();
    const out: { path: string; size: number; usedAt: number }[] = [];
    await Promise.all(
      names.map(async (name) => {
        const path = join(this.entriesDir, name);
        try {
          const info = await stat(path);
          if (name.endsWith('.tmp')) {
            if (now - info.mtimeMs > STALE_TEMP_MS) await unlink(path);
          } else if (name.endsWith(ENTRY_SUFFIX)) {
            out.push({ path, size: info.size, usedAt: info.mtimeMs });
          }
        } catch {
          // Removed by another process meanwhile.
        }
      }),
    );
    return out;
  }

  /** Removes the least recently used entries while the total is over `maxBytes`. */
  private async evict(): Promise<void> {
    const entries = await this.scan();
    let total = entries.reduce((sum, e) => sum + e.size, 0);
    if (total <= this.maxBytes) return;
    entries.sort((a, b) => a.usedAt - b.usedAt);
    for (const entry of entries) {
      if (total <= this.maxBytes) break;
      await unlink(entry.path).catch(() => {});
      total -= entry.size;
    }
  }
}

function parseEntry(text: string): EntryFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Partial<EntryFile>;
  const usage = e.usage as Partial<EntryFile['usage']> | undefined;
  const ok =
    e.v === 1 &&
    typeof e.created_at === 'number' &&
    typeof e.output === 'string' &&
    typeof e.finish_reason === 'string' &&
    typeof e.duration_ms === 'number' &&
    typeof usage?.input_tokens === 'number' &&
    typeof usage.output_tokens === 'number';
  return ok ? (e as EntryFile) : undefined;
}
