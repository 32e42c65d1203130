/**
 * Defines `key` on `target` as a read-only, non-enumerable property: secrets
 * in config objects stay readable by code but out of JSON.stringify and
 * console/util.inspect output, so a logged config shows none of them.
 */
export function withHiddenField<T extends object, K extends string, V>(target: T, key: K, value: V): T & Record<K, V> {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false });
  return target as T & Record<K, V>;
}
