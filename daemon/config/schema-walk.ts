import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips default/optional/prefault/pipe wrappers to reach the schema that says what a value is. */
export function baseSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

export function baseType(schema: z.ZodType): string {
  return defOf(baseSchema(schema)).type;
}

/** The keys of an object schema (after unwrapping), or undefined when it is not an object. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const base = baseSchema(schema);
  const def = defOf(base);
  return def.type === 'object' ? (base as unknown as { shape: Record<string, z.ZodType> }).shape : undefined;
}

/**
 * Finds the config path an environment variable names: AIDOS_STORE_POOL_MAX → ["store", "pool_max"].
 * Keys hold underscores too, so segments are matched against the schema rather than split blindly.
 */
export function pathForEnvName(
  schema: z.ZodType,
  name: string,
): { path: string[]; leaf: z.ZodType } | undefined {
  const shape = objectShape(schema);
  if (!shape) return undefined;
  for (const [key, child] of Object.entries(shape)) {
    if (name === key && !objectShape(child)) return { path: [key], leaf: child };
    if (name.startsWith(`${key}_`)) {
      const rest = pathForEnvName(child, name.slice(key.length + 1));
      if (rest) return { path: [key, ...rest.path], leaf: rest.leaf };
    }
  }
  return undefined;
}

/** Finds the leaf schema at a dotted path; records accept any key. */
export function leafAtPath(schema: z.ZodType, path: string[]): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  for (const key of path) {
    if (!current) return undefined;
    const base = baseSchema(current);
    const def = defOf(base) as Def & { valueType?: z.ZodType };
    if (def.type === 'object') current = objectShape(base)?.[key];
    else if (def.type === 'record') current = def.valueType;
    else return undefined;
  }
  return current;
}
