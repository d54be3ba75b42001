/**
 * File operations the agent relies on for "no cleartext left behind" and durable state:
 * atomic replace (temp file, fsync, rename, fsync the directory) and overwrite-then-unlink.
 * Overwriting cannot guarantee erasure on SSDs or copy-on-write file systems; that is why
 * the data is encrypted under keys that are themselves destroyed (cryptographic erase).
 */
import {
  closeSync,
  fstatSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  lstatSync,
  unlinkSync,
  writeSync,
  existsSync,
  constants,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function ensureDir(dir: string, mode = 0o700): void {
  mkdirSync(dir, { recursive: true, mode });
}

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
}

/** Write `data` to `path` atomically and durably, with `mode` from the first byte on. */
export function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'wx', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}

/** Overwrite a regular file's bytes with random data, fsync, then unlink it. */
export function overwriteAndUnlink(path: string): void {
  const st = lstatSync(path);
  if (st.isFile()) {
    // O_NOFOLLOW: a file swapped for a link after the lstat is refused, never overwritten through it.
    const fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW);
    try {
      const size = fstatSync(fd).size;
      const block = Buffer.alloc(Math.min(1 << 20, Math.max(size, 1)));
      let off = 0;
      while (off < size) {
        const n = Math.min(block.length, size - off);
        randomBytes(n).copy(block, 0, 0, n);
        writeSync(fd, block, 0, n, off);
        off += n;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  unlinkSync(path);
}

/** Overwrite-and-unlink every file under `dir`, then remove the directories (dir too if `removeRoot`). */
export function shredTree(dir: string, removeRoot: boolean): number {
  if (!existsSync(dir)) return 0;
  let count = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) count += shredTree(p, true);
    else {
      overwriteAndUnlink(p);
      count++;
    }
  }
  if (removeRoot) rmdirSync(dir);
  fsyncDir(removeRoot ? dirname(dir) : dir);
  return count;
}
