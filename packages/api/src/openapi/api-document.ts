import type { IdentityScheme } from '../caller-identity.ts';
import { claimOperations } from '../routes/claims.ts';
import { eventOperations } from '../routes/events.ts';
import { holdOperations } from '../routes/holds.ts';
import { operationsOperations } from '../routes/operations.ts';
import { eventListOperations } from '../routes/event-list.ts';
import { readBackOperations } from '../routes/read-backs.ts';
import { seatStreamOperations } from '../routes/seat-stream.ts';
import { queueOperations } from '../routes/queue.ts';
import { waitlistOperations } from '../routes/waitlist.ts';
import { openApiDocument } from './document.ts';
import type { OperationSpec } from './operation-spec.ts';

/** Every operation of the API, gathered from the routes files that serve them. */
export const apiOperations: readonly OperationSpec[] = Object.freeze([
  ...eventOperations,
  ...claimOperations,
  ...holdOperations,
  ...waitlistOperations,
  ...queueOperations,
  ...operationsOperations,
  ...eventListOperations,
  ...readBackOperations,
  ...seatStreamOperations,
]);

/** The API's OpenAPI document for one identity scheme (built once). */
export function apiDocument(identity: IdentityScheme = 'x-user-id'): object {
  return openApiDocument(apiOperations, identity);
}
