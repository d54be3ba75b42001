import { Badge, Group, SegmentedControl, Select, Table, Text, Title, UnstyledButton, VisuallyHidden } from '@mantine/core';
import { useQuery, useSuspenseQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { EmptyState } from '../../components/EmptyState';
import { ProblemAlert } from '../../components/ProblemAlert';
import { formatDay } from '../../lib/dates';
import { sessionQuery } from '../../session/session';
import { PageTitle } from '../../shell/Shell';

type Level = 'low' | 'moderate' | 'high' | 'critical';
interface Rating {
  likelihood: number;
  impact: number;
  score: number;
  level: Level;
  rationale: string;
}
interface Risk {
  riskId: string;
  title: string;
  threat: string;
  vulnerability: string;
  inherent?: Rating;
  residual?: Rating;
  treatment?: { option: string; ownerId: string; dueOn: string; plan: string };
  acceptances: unknown[];
}
interface Assessment {
  assessmentId: string;
  title: string;
  status: string;
  periodStart: string;
  periodEnd: string;
  matrix: { likelihood: string[]; impact: string[]; bands: Array<{ level: Level; minScore: number }> };
  risks: Record<string, Risk>;
}
interface AssessmentRow {
  id: string;
  title: string;
  status: string;
  periodStart: string;
  periodEnd: string;
}

/** Colours with AA contrast for their text (white on the three darker, dark on yellow). */
export const LEVEL_COLOR: Record<Level, { bg: string; dark: boolean }> = {
  low: { bg: '#0b6e4f', dark: false },
  moderate: { bg: '#fcc419', dark: true },
  high: { bg: '#b54708', dark: false },
  critical: { bg: '#a61e1e', dark: false },
};
const levelOf = (bands: Assessment['matrix']['bands'], score: number): Level =>
  [...bands].reverse().find((b) => score >= b.minScore)?.level ?? 'low';

/** The risk register of an assessment: a likelihood × impact heat map, and each risk with its ratings and treatment. */
export function RiskRegisterPage() {
  useSuspenseQuery(sessionQuery);
  const [chosen, setChosen] = useState<string | null>(null);
  const [kind, setKind] = useState<'residual' | 'inherent'>('residual');
  const [cell, setCell] = useState<{ l: number; i: number } | null>(null);
  const list = useQuery({
    queryKey: ['risk', 'assessments'],
    queryFn: async () => unwrap(await api.GET('/v1/risk/assessments', { params: { query: {} as never } })) as unknown as AssessmentRow[],
  });
  const id = chosen ?? list.data?.[0]?.id ?? null;
  const assessment = useQuery({
    queryKey: ['risk', 'assessments', id],
    enabled: !!id,
    queryFn: async () => unwrap(await api.GET('/v1/risk/assessments/{id}', { params: { path: { id: id! } } })) as unknown as Assessment,
  });
  const a = assessment.data;
  const risks = a ? Object.values(a.risks) : [];
  const rated = risks.filter((r) => r[kind]);
  const shown = cell ? rated.filter((r) => r[kind]!.likelihood === cell.l && r[kind]!.impact === cell.i) : risks;

  return (
    <>
      <PageTitle description="The risks of the chosen risk analysis (45 CFR 164.308(a)(1)(ii)(A)), placed by likelihood and impact. Choose a cell of the heat map to list its risks.">
        Risk register
      </PageTitle>
      <ProblemAlert error={list.error ?? assessment.error} />
      {list.data?.length === 0 && (
        <EmptyState title="No risk analysis yet">
          Establish the risk program and start the first assessment (POST /v1/risk/programs, then /v1/risk/assessments, or `safeharbor
          risk`); register the assets that hold ePHI, then identify and rate each risk.
        </EmptyState>
      )}
      {!!list.data?.length && (
        <Group align="flex-end" mb="lg">
          <Select
            label="Assessment"
            w={380}
            allowDeselect={false}
            value={id}
            onChange={(v) => (setChosen(v), setCell(null))}
            data={list.data.map((r) => ({ value: r.id, label: `${r.title} (${r.status})` }))}
          />
          <SegmentedControl
            aria-label="Rating shown"
            value={kind}
            onChange={(v) => (setKind(v as 'residual' | 'inherent'), setCell(null))}
            data={[
              { value: 'residual', label: 'Residual' },
              { value: 'inherent', label: 'Inherent' },
            ]}
          />
        </Group>
      )}
      {a && (
        <>
          <Text size="sm" c="gray.8" mb="sm">
            Period {formatDay(a.periodStart)} to {formatDay(a.periodEnd)} · {risks.length} risks, {rated.length} with{' '}
            {kind === 'inherent' ? 'an' : 'a'} {kind} rating
          </Text>
          <HeatMap a={a} risks={rated} kind={kind} cell={cell} onCell={setCell} />
          <Title order={2} size="h3" mt="xl" mb="sm">
            {cell ? `Risks rated ${a.matrix.likelihood[cell.l - 1]} likelihood, ${a.matrix.impact[cell.i - 1]} impact` : 'All risks'}
          </Title>
          {shown.length === 0 ? (
            <EmptyState title={cell ? 'No risk in this cell' : 'No risk identified yet'}>
              {cell
                ? 'Choose another cell, or the same one again to list every risk.'
                : 'Identify risks against the registered assets (threat, vulnerability, controls), then rate each inherent and residual.'}
            </EmptyState>
          ) : (
            <RiskTable risks={shown} />
          )}
        </>
      )}
    </>
  );
}

function HeatMap(props: {
  a: Assessment;
  risks: Risk[];
  kind: 'residual' | 'inherent';
  cell: { l: number; i: number } | null;
  onCell: (c: { l: number; i: number } | null) => void;
}) {
  const { matrix } = props.a;
  const rows = matrix.likelihood.map((_, k) => matrix.likelihood.length - k); // highest likelihood on top
  const count = (l: number, i: number) => props.risks.filter((r) => r[props.kind]!.likelihood === l && r[props.kind]!.impact === i).length;
  return (
    <table className="sh-heatmap" aria-label={`Heat map of ${props.kind} risk`} data-testid="heatmap">
      <caption>Likelihood (rows) × impact (columns); each cell shows how many risks are rated there.</caption>
      <thead>
        <tr>
          <th scope="col">Likelihood \ Impact</th>
          {matrix.impact.map((label) => (
            <th scope="col" key={label}>
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((l) => (
          <tr key={l}>
            <th scope="row">{matrix.likelihood[l - 1]}</th>
            {matrix.impact.map((label, k) => {
              const i = k + 1;
              const n = count(l, i);
              const level = levelOf(matrix.bands, l * i);
              const pressed = props.cell?.l === l && props.cell.i === i;
              return (
                <td key={label}>
                  <UnstyledButton
                    className="sh-heatcell"
                    data-level={level}
                    data-pressed={pressed || undefined}
                    aria-pressed={pressed}
                    onClick={() => props.onCell(pressed ? null : { l, i })}
                  >
                    <span className="sh-heatcount">{n || ''}</span>
                    {n ? ' ' : <VisuallyHidden>0 </VisuallyHidden>}
                    <span className="sh-heatlevel">{level}</span>
                    <VisuallyHidden>{`: ${n === 1 ? 'risk' : 'risks'} at likelihood ${matrix.likelihood[l - 1]}, impact ${label}`}</VisuallyHidden>
                  </UnstyledButton>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function rating(r?: Rating) {
  if (!r) return <Text size="sm">not rated</Text>;
  const c = LEVEL_COLOR[r.level];
  return (
    <Badge color={c.bg} c={c.dark ? 'dark' : undefined} variant="filled">
      {r.level} · {r.score}
    </Badge>
  );
}

function RiskTable({ risks }: { risks: Risk[] }) {
  const sorted = [...risks].sort((x, y) => (y.residual?.score ?? y.inherent?.score ?? 0) - (x.residual?.score ?? x.inherent?.score ?? 0));
  return (
    <Table aria-label="Risks" striped verticalSpacing="sm">
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">Risk</Table.Th>
          <Table.Th scope="col">Threat / vulnerability</Table.Th>
          <Table.Th scope="col">Inherent</Table.Th>
          <Table.Th scope="col">Residual</Table.Th>
          <Table.Th scope="col">Treatment</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sorted.map((r) => (
          <Table.Tr key={r.riskId}>
            <Table.Td>
              <Text size="sm" fw={600}>
                {r.title}
              </Text>
              <Text size="xs" c="gray.8">
                {r.riskId}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{r.threat}</Text>
              <Text size="xs" c="gray.8">
                {r.vulnerability}
              </Text>
            </Table.Td>
            <Table.Td>{rating(r.inherent)}</Table.Td>
            <Table.Td>{rating(r.residual)}</Table.Td>
            <Table.Td>
              {r.treatment ? (
                <Text size="sm">
                  {r.treatment.option}, {r.treatment.ownerId}, by {formatDay(r.treatment.dueOn)}
                  {r.acceptances.length > 0 ? ' (accepted)' : ''}
                </Text>
              ) : (
                <Text size="sm">none yet</Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
