/**
 * Public surface of the keys context: its commands and queries, and the pure key lifecycle
 * other contexts read (the key events are what "secured at T?" folds). Nothing here loads Nest.
 */
export * from './messages';
export {
  KEY_EVENT_TYPES,
  keyStream,
  evolveKey,
  initialKeyState,
  canEncrypt,
  currentVersion,
  type KeyEvent,
  type KeyState,
  type KeyStatus,
} from './domain/key';
