import { createEventOverHttp, sellOut } from './api-client.ts';
import { ADMIN_TOKEN } from './api-server.ts';
import type { PlannedRequest } from './load.ts';
import type { Scenario } from './scenarios.ts';

/** An event of the scenario's shape, sold out first when the scenario says so; its id. */
export async function createScenarioEvent(baseUrl: string, scenario: Scenario, name: string): Promise<string> {
  const { eventId } = await createEventOverHttp(baseUrl, ADMIN_TOKEN, {
    name,
    rows: scenario.rows,
    cols: scenario.cols,
    ...(scenario.holdTtlSeconds === undefined ? {} : { holdTtlSeconds: scenario.holdTtlSeconds }),
  });
  if (scenario.sellOutFirst === true) await sellOut(baseUrl, eventId, scenario.rows, scenario.cols);
  return eventId;
}

/** The scenario's n-th claim of a phase on an event: a fresh user id (`u-<tag>-<phase>-<n>`) and the scenario's body. */
export function scenarioClaims(scenario: Scenario, tag: string, eventId: string, phase: string): (n: number) => PlannedRequest {
  return (n) => ({
    method: 'POST',
    path: `/events/${eventId}/${scenario.endpoint}`,
    headers: { 'x-user-id': `u-${tag}-${phase}-${n}` },
    body: scenario.body(scenario.rows, scenario.cols),
  });
}
