/**
 * File format of an encrypted PHI file (".shenc"): chunked AES-256-GCM so that cleartext is
 * only ever released chunk by chunk after its tag verified, and truncation or reordering is
 * detected (STREAM construction, as age and Tink do).
 *
 *   header  = "SHENC\x01\x00\x00" (8) | fileId (16) | noncePrefix (7) | chunkSize u32be (4)
 *   chunk i = AES-256-GCM(dek, nonce = noncePrefix | u32be(i) | lastFlag, aad = header)
 *             ciphertext || tag(16)
 * The data key (DEK) is not in the file: it is wrapped by the dataset's key-encryption key
 * and kept in the agent's state, so re-wrapping never touches the file's bytes.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { constants, closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';

export const MAGIC = Buffer.from('SHENC\x01\x00\x00', 'latin1');
export const HEADER_LEN = 8 + 16 + 7 + 4;
export const DEFAULT_CHUNK = 64 * 1024;
const TAG = 16;

function nonceFor(prefix: Buffer, i: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(i, 7);
  n[11] = last ? 1 : 0;
  return n;
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function readExactly(fd: number, buf: Buffer, len: number, pos: number): void {
  let off = 0;
  while (off < len) {
    const n = readSync(fd, buf, off, len - off, pos + off);
    if (n === 0) throw new Error('unexpected end of file');
    off += n;
  }
}

/** Encrypt `src` into the new file `dst` (created 0600, fsynced). Returns the file id. */
export function encryptFile(src: string, dst: string, dek: Buffer, chunkSize = DEFAULT_CHUNK): { fileId: Buffer; plainSize: number } {
  const fileId = randomBytes(16);
  const prefix = randomBytes(7);
  const header = Buffer.alloc(HEADER_LEN);
  MAGIC.copy(header, 0);
  fileId.copy(header, 8);
  prefix.copy(header, 24);
  header.writeUInt32BE(chunkSize, 31);
  const inFd = openSync(src, constants.O_RDONLY | constants.O_NOFOLLOW);
  const outFd = openSync(dst, 'wx', 0o600);
  try {
    const size = fstatSync(inFd).size;
    const chunks = Math.max(1, Math.ceil(size / chunkSize));
    writeAll(outFd, header);
    const buf = Buffer.alloc(chunkSize);
    for (let i = 0; i < chunks; i++) {
      const len = Math.min(chunkSize, size - i * chunkSize);
      if (len > 0) readExactly(inFd, buf, len, i * chunkSize);
      const c = createCipheriv('aes-256-gcm', dek, nonceFor(prefix, i, i === chunks - 1));
      c.setAAD(header);
      writeAll(outFd, Buffer.concat([c.update(buf.subarray(0, Math.max(len, 0))), c.final(), c.getAuthTag()]));
    }
    buf.fill(0);
    fsyncSync(outFd);
    return { fileId, plainSize: size };
  } finally {
    closeSync(inFd);
    closeSync(outFd);
  }
}

export function readHeader(path: string): { fileId: Buffer; chunkSize: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const header = Buffer.alloc(HEADER_LEN);
    readExactly(fd, header, HEADER_LEN, 0);
    if (!header.subarray(0, 8).equals(MAGIC)) throw new Error('not an encrypted Safe Harbor file');
    return { fileId: Buffer.from(header.subarray(8, 24)), chunkSize: header.readUInt32BE(31) };
  } finally {
    closeSync(fd);
  }
}

/**
 * Decrypt chunk by chunk, handing each verified chunk to `sink`. Throws on any tampering,
 * truncation or a wrong key before the affected chunk is released.
 */
export function decryptFile(path: string, dek: Buffer, sink: (chunk: Buffer) => void): void {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(HEADER_LEN);
    readExactly(fd, header, HEADER_LEN, 0);
    if (!header.subarray(0, 8).equals(MAGIC)) throw new Error('not an encrypted Safe Harbor file');
    const prefix = header.subarray(24, 31);
    const chunkSize = header.readUInt32BE(31);
    if (chunkSize < 1 || chunkSize > 16 * 1024 * 1024) throw new Error('bad chunk size');
    const body = size - HEADER_LEN;
    if (body < TAG) throw new Error('encrypted file truncated');
    const full = chunkSize + TAG;
    const chunks = Math.ceil(body / full);
    const buf = Buffer.alloc(full);
    for (let i = 0; i < chunks; i++) {
      const len = Math.min(full, body - i * full);
      if (len < TAG) throw new Error('encrypted file truncated');
      readExactly(fd, buf, len, HEADER_LEN + i * full);
      const d = createDecipheriv('aes-256-gcm', dek, nonceFor(prefix, i, i === chunks - 1));
      d.setAAD(header);
      d.setAuthTag(buf.subarray(len - TAG, len));
      const out = Buffer.concat([d.update(buf.subarray(0, len - TAG)), d.final()]);
      sink(out);
    }
  } finally {
    closeSync(fd);
  }
}
