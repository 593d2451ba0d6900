import { UnprocessableRequestError } from '../shared/errors';
import { RENDER_LIMITS } from './model';

/**
 * The rendering one send may spend over all its recipients (RENDER_LIMITS.requestBudgetMs): the
 * returned check, called before each recipient's render, throws a 422 at `template` once the send
 * has rendered for longer. The per-render limit alone would let 1,000 renders that each stop just
 * under it hold the function for 100 s.
 */
export function renderBudget(budgetMs: number = RENDER_LIMITS.requestBudgetMs): () => void {
  const started = performance.now();
  return () => {
    if (performance.now() - started <= budgetMs) return;
    throw new UnprocessableRequestError(
      [
        {
          path: 'template',
          message: `render limit reached: more than ${budgetMs} ms of rendering for this send`,
        },
      ],
      'The template could not be rendered for every recipient',
    );
  };
}
