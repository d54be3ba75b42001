/** The key locker (wrapped KEK versions, sealing to agents) and where it keeps material. Internal to keys. */
export const KEY_LOCKER = Symbol('KeyLocker');
export const KEY_MATERIAL_STORE = Symbol('KeyMaterialStore');
