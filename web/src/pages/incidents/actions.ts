import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { incidentKey, type Incident } from './model';

export type IncidentAction = 'facts' | 'exception-assessment' | 'safeguards' | 'risk-assessment' | 'triage';

/**
 * A write to one of the incident's step routes, guarded by If-Match with the version the page
 * shows (a stale page gets 409 and writes nothing). The incident, its obligations and timeline
 * are read again afterwards.
 */
export function useIncidentAction<B>(incident: Incident, action: IncidentAction) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: B) => {
      const r = await api.POST(
        `/v1/incidents/{id}/${action}` as '/v1/incidents/{id}/facts',
        {
          params: { path: { id: incident.id } },
          headers: { 'If-Match': `"${incident.version}"` },
          body: body as never,
        } as never,
      );
      return unwrap(r as { data?: unknown; error?: unknown; response: Response });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: incidentKey(incident.id) });
    },
  });
}
