/** `array` itself when it holds `needed` elements, else a copy doubled in length until it does. */
export function grown<A extends Int32Array | Uint32Array | Uint16Array | Float32Array | Float64Array>(array: A, needed: number): A {
  if (needed <= array.length) return array
  let length = Math.max(1, array.length)
  while (length < needed) length *= 2
  const bigger = new (array.constructor as new (n: number) => A)(length)
  bigger.set(array)
  return bigger
}
