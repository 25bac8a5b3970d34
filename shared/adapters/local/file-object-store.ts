import { type Dirent, createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore } from '#shared/ports/object-store';

/**
 * The lake bucket for the local runner: one file per key under a folder, in the same layout as
 * S3 (`journey_facts/dt=2026-11-23/part-00-0000.parquet`), so DuckDB reads what Athena would.
 */
export class FileObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    mkdirSync(this.root, { recursive: true });
  }

  /** Keys are S3 keys; one that would leave the folder (`../`) is refused. */
  private path(key: string): string {
    const path = resolve(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error('object key escapes the lake folder');
    return path;
  }

  async put(key: string, body: Uint8Array | string | Readable, _contentType: string): Promise<void> {
    const path = this.path(key);
    mkdirSync(dirname(path), { recursive: true });
    if (body instanceof Readable) await pipeline(body, createWriteStream(path));
    else writeFileSync(path, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(readFileSync(this.path(key)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = (folder: string) => {
      let entries: Dirent[];
      try {
        entries = readdirSync(folder, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(folder, entry.name);
        if (entry.isDirectory()) walk(path);
        else keys.push(relative(this.root, path).split(sep).join('/'));
      }
    };
    walk(this.root);
    return keys.filter((key) => key.startsWith(prefix)).sort();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) rmSync(this.path(key), { force: true });
  }
}
