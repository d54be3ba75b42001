import { Group, Text } from '@mantine/core';
import { geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import states from 'us-atlas/states-albers-10m.json';

const USPS: Record<string, string> = {
  Alabama: 'AL',
  Alaska: 'AK',
  Arizona: 'AZ',
  Arkansas: 'AR',
  California: 'CA',
  Colorado: 'CO',
  Connecticut: 'CT',
  Delaware: 'DE',
  'District of Columbia': 'DC',
  Florida: 'FL',
  Georgia: 'GA',
  Hawaii: 'HI',
  Idaho: 'ID',
  Illinois: 'IL',
  Indiana: 'IN',
  Iowa: 'IA',
  Kansas: 'KS',
  Kentucky: 'KY',
  Louisiana: 'LA',
  Maine: 'ME',
  Maryland: 'MD',
  Massachusetts: 'MA',
  Michigan: 'MI',
  Minnesota: 'MN',
  Mississippi: 'MS',
  Missouri: 'MO',
  Montana: 'MT',
  Nebraska: 'NE',
  Nevada: 'NV',
  'New Hampshire': 'NH',
  'New Jersey': 'NJ',
  'New Mexico': 'NM',
  'New York': 'NY',
  'North Carolina': 'NC',
  'North Dakota': 'ND',
  Ohio: 'OH',
  Oklahoma: 'OK',
  Oregon: 'OR',
  Pennsylvania: 'PA',
  'Rhode Island': 'RI',
  'South Carolina': 'SC',
  'South Dakota': 'SD',
  Tennessee: 'TN',
  Texas: 'TX',
  Utah: 'UT',
  Vermont: 'VT',
  Virginia: 'VA',
  Washington: 'WA',
  'West Virginia': 'WV',
  Wisconsin: 'WI',
  Wyoming: 'WY',
  'Puerto Rico': 'PR',
};

/** What is owed in a state, strongest first: the shade the map gives it. */
export type Owed = 'media' | 'regulator' | 'residents-clock' | 'residents';
export const OWED: Record<Owed, { label: string; fill: string }> = {
  media: { label: 'Media notice owed', fill: '#a51d2d' },
  regulator: { label: 'State regulator notice', fill: '#c2410c' },
  'residents-clock': { label: 'State resident notice clock', fill: '#1c5fa8' },
  residents: { label: 'Residents (federal notice only)', fill: '#8fb3d9' },
};

const topo = states as unknown as Topology<{ states: GeometryCollection<{ name: string }> }>;
const shapes = feature(topo, topo.objects.states).features.map((f) => ({
  code: USPS[f.properties?.name ?? ''] ?? '',
  name: f.properties?.name ?? '',
  d: geoPath()(f) ?? '',
}));

/**
 * Affected residents by state, shaded by what is owed there. The shapes are the Census Bureau's
 * (us-atlas, pre-projected Albers USA), shipped in the build: no map is fetched at run time.
 */
export function UsMap({ residents, owed }: { residents: Record<string, number>; owed: Record<string, Owed> }) {
  const described = shapes.filter((s) => residents[s.code]);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox="0 0 975 610"
        role="img"
        aria-labelledby="map-title map-desc"
        className="sh-map"
        style={{ width: '100%', maxWidth: 760, height: 'auto' }}
      >
        <title id="map-title">Affected residents by state</title>
        <desc id="map-desc">
          {described
            .map((s) => `${s.name}: ${residents[s.code]!.toLocaleString('en-US')} (${OWED[owed[s.code] ?? 'residents'].label})`)
            .join('; ') || 'No residents by state yet.'}
        </desc>
        {shapes.map((s) => (
          <path
            key={s.code || s.name}
            d={s.d}
            data-state={s.code}
            data-owed={residents[s.code] ? (owed[s.code] ?? 'residents') : undefined}
            fill={residents[s.code] ? OWED[owed[s.code] ?? 'residents'].fill : '#e9ecef'}
          >
            <title>
              {residents[s.code]
                ? `${s.name}: ${residents[s.code]!.toLocaleString('en-US')} residents — ${OWED[owed[s.code] ?? 'residents'].label}`
                : s.name}
            </title>
          </path>
        ))}
      </svg>
      <Group component="figcaption" gap="md" mt="xs" aria-label="Legend">
        {(Object.keys(OWED) as Owed[]).map((k) => (
          <Group key={k} gap={6}>
            <span aria-hidden style={{ display: 'inline-block', width: 14, height: 14, background: OWED[k].fill, borderRadius: 2 }} />
            <Text size="sm">{OWED[k].label}</Text>
          </Group>
        ))}
      </Group>
    </figure>
  );
}
