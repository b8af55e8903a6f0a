/**
 * Grafana's schema type as plain JSON can spell it: a string enum becomes the union of its
 * values (MappingType → 'value' | 'range' | ...), everything else stays as it is.
 */
export type Literal<T> = T extends string
  ? `${T}`
  : T extends readonly (infer U)[]
    ? Literal<U>[]
    : T extends object
      ? { [K in keyof T]: Literal<T[K]> }
      : T;
