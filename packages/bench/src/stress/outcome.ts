/** How a response counts: won = 2xx, refused = 409 (the business answer "no"), error = anything else. */
export type Outcome = 'won' | 'refused' | 'error';

export const OUTCOMES: readonly Outcome[] = ['won', 'refused', 'error'];

export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'won';
  if (status === 409) return 'refused';
  return 'error';
}
