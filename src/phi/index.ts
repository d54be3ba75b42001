/** Public surface of PHI storage: the sealed-field vault, the encrypted artifact store and their keys. */
export * from './artifact-store';
export * from './data-key-store';
export * from './master-key';
export * from './phi-vault';
export * from './artifact-blobs';
export * from './pg-artifact-blobs';
export * from './pg-data-key-repository';
export * from './free-text-sealer';
export * from './legacy-text';
export * from './free-text-read-record';
