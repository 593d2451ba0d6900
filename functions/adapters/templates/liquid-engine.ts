import { Liquid } from 'liquidjs';
import { RENDER_LIMITS } from '../../core/templates/model';
import {
  type CompiledTemplate,
  type TemplateEngine,
  TemplateProblem,
} from '../../core/templates/ports';

/*
 * Liquid (liquidjs: an interpreter, no eval or code generation). Strict: an undefined variable or
 * filter is an error, never an empty string. Bounded: characters parsed, milliseconds and objects
 * per render. No file system: `include`, `render` and `layout` find nothing (an in-memory empty
 * set of partials), so a template can never read a file of the function.
 */

const base = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  cache: false,
  parseLimit: RENDER_LIMITS.parseLimit,
  renderLimit: RENDER_LIMITS.renderLimitMs,
  memoryLimit: RENDER_LIMITS.memoryLimit,
} as const;

function kindOf(error: Error): TemplateProblem['kind'] {
  const message = error.message;
  if (/limit exceeded/.test(message)) return 'limit';
  if (/undefined variable/.test(message)) return 'variable';
  if (/undefined filter/.test(message)) return 'filter';
  if (error.name === 'TokenizationError' || error.name === 'ParseError') return 'syntax';
  return 'render';
}

function problem(error: unknown): TemplateProblem {
  if (error instanceof TemplateProblem) return error;
  const cause = error instanceof Error ? error : new Error(String(error));
  // liquidjs appends the template's lines around the error to `stack`, never to `message`.
  return new TemplateProblem(cause.message.split('\n')[0] ?? cause.message, kindOf(cause));
}

/** The TemplateEngine port on liquidjs; one engine per escaping mode, built once. */
export class LiquidTemplateEngine implements TemplateEngine {
  private readonly html = new Liquid({ ...base, outputEscape: 'escape' });
  private readonly text = new Liquid({ ...base });

  compile(source: string, mode: 'html' | 'text'): CompiledTemplate {
    const engine = mode === 'html' ? this.html : this.text;
    let parsed: ReturnType<Liquid['parse']>;
    try {
      parsed = engine.parse(source);
    } catch (error) {
      throw problem(error);
    }
    return {
      // Rendered synchronously: a template reads only its data (no file, no async filter), and
      // the render limit is a wall-clock deadline, so a render must not share it with whatever
      // else the event loop runs between the steps of an async render.
      render: async (data) => {
        try {
          return String(engine.renderSync(parsed, data));
        } catch (error) {
          throw problem(error);
        }
      },
    };
  }
}
