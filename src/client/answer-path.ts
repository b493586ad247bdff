// Reading the backend's answer by a dot path (`loyalty.points`, `products`), shared by the fields of the
// drop-in and the lists of the add-on.

/**
 * The value at a dot path in `data`, own properties only (`constructor` or `__proto__` find nothing),
 * without Object.hasOwn, which Safari lacks before 15.4.
 */
export const valueAt = (data: unknown, path: string): unknown => {
  let value = data;
  for (const key of path.split('.'))
    value =
      value !== null && typeof value === 'object'
        ? Object.getOwnPropertyDescriptor(value, key)?.value
        : undefined;
  return value;
};

/**
 * The value at a dot path as text when it is a string, number or boolean; `undefined` for anything else
 * (objects, arrays, null). The answer is parsed JSON or text, which hold no functions or symbols: a value
 * that is neither null, undefined nor an object (or array) is a string, a number or a boolean.
 */
export const textAt = (data: unknown, path: string): string | undefined => {
  const value = valueAt(data, path);
  return value != null && typeof value !== 'object' ? String(value) : undefined;
};
