/**
 * Control catalogs shipped as versioned data (src/risk/catalogs/*.json): the HIPAA Security Rule
 * standards and implementation specifications (required / addressable), the HITRUST CSF control
 * categories, and Safe Harbor's control library mapped to both. An assessment records the
 * catalog versions it was made under.
 */
import { z } from 'zod';
import hipaaJson from '../catalogs/hipaa-security-rule.v1.json';
import hitrustJson from '../catalogs/hitrust-csf.v1.json';
import controlsJson from '../catalogs/controls.v1.json';

const HipaaItem = z.strictObject({
  id: z.string().regex(/^164\.3(08|10|12|16)\([a-z]\)/),
  kind: z.enum(['standard', 'implementation-specification']),
  title: z.string().min(1),
  safeguard: z.enum(['administrative', 'physical', 'technical', 'policies-and-documentation']),
  standard: z.string().optional(),
  requirement: z.enum(['required', 'addressable']).optional(),
});
const HipaaCatalog = z.strictObject({
  catalog: z.literal('hipaa-security-rule'),
  version: z.string(),
  title: z.string(),
  source: z.string(),
  items: z.array(HipaaItem),
});
const HitrustCatalog = z.strictObject({
  catalog: z.literal('hitrust-csf-categories'),
  version: z.string(),
  title: z.string(),
  items: z.array(z.strictObject({ id: z.string().regex(/^\d{2}$/), title: z.string().min(1) })),
});
const ControlCatalog = z.strictObject({
  catalog: z.literal('safeharbor-controls'),
  version: z.string(),
  title: z.string(),
  items: z.array(
    z.strictObject({
      id: z.string().regex(/^SH-[A-Z]+-\d{2}$/),
      title: z.string().min(1),
      hipaa: z.array(z.string()),
      hitrust: z.array(z.string()),
    }),
  ),
});

export type HipaaItem = z.infer<typeof HipaaItem>;
export type HitrustCategory = z.infer<typeof HitrustCatalog>['items'][number];
export type Control = z.infer<typeof ControlCatalog>['items'][number];

export interface Catalogs {
  versions: { hipaa: string; hitrust: string; controls: string };
  hipaa: Map<string, HipaaItem>;
  hitrust: Map<string, HitrustCategory>;
  controls: Map<string, Control>;
}

export class CatalogError extends Error {
  readonly code = 'CATALOG_INVALID';
}

/** Validates the catalogs and their cross-references (every control maps to items that exist). */
export function buildCatalogs(raw: { hipaa: unknown; hitrust: unknown; controls: unknown }): Catalogs {
  const parse = <T>(schema: z.ZodType<T>, v: unknown, name: string): T => {
    const r = schema.safeParse(v);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new CatalogError(`${name}: ${i.path.join('.')}: ${i.message}`);
    }
    return r.data;
  };
  const hipaa = parse(HipaaCatalog, raw.hipaa, 'hipaa-security-rule');
  const hitrust = parse(HitrustCatalog, raw.hitrust, 'hitrust-csf');
  const controls = parse(ControlCatalog, raw.controls, 'controls');
  const c: Catalogs = {
    versions: { hipaa: hipaa.version, hitrust: hitrust.version, controls: controls.version },
    hipaa: new Map(hipaa.items.map((i) => [i.id, i])),
    hitrust: new Map(hitrust.items.map((i) => [i.id, i])),
    controls: new Map(controls.items.map((i) => [i.id, i])),
  };
  for (const item of hipaa.items) {
    if (item.kind === 'implementation-specification') {
      if (!item.standard || c.hipaa.get(item.standard)?.kind !== 'standard')
        throw new CatalogError(`hipaa-security-rule: ${item.id}: unknown standard ${item.standard}`);
      if (!item.requirement) throw new CatalogError(`hipaa-security-rule: ${item.id}: required or addressable?`);
    }
  }
  for (const ctl of controls.items) {
    for (const h of ctl.hipaa) if (!c.hipaa.has(h)) throw new CatalogError(`controls: ${ctl.id}: unknown HIPAA reference ${h}`);
    for (const h of ctl.hitrust) if (!c.hitrust.has(h)) throw new CatalogError(`controls: ${ctl.id}: unknown HITRUST category ${h}`);
  }
  return c;
}

let shipped: Catalogs | null = null;
export function shippedCatalogs(): Catalogs {
  if (!shipped) shipped = buildCatalogs({ hipaa: hipaaJson, hitrust: hitrustJson, controls: controlsJson });
  return shipped;
}

/** Whether an item is required or addressable (a standard without specifications is required). */
export function requirementOf(c: Catalogs, hipaaId: string): 'required' | 'addressable' | undefined {
  return c.hipaa.get(hipaaId)?.requirement;
}
