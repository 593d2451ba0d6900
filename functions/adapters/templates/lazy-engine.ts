import type { CompiledTemplate, TemplateEngine } from '../../core/templates/ports';

/**
 * The Liquid engine, loaded on the first template render of the container instead of at cold
 * start: the api function renders only for sends that name a template, and liquidjs costs
 * ~15 ms of its cold import (`npm run bench -- bundles`). `ready()` is awaited by the render path
 * (core/templates/render.ts) before anything compiles.
 */
export class LazyTemplateEngine implements TemplateEngine {
  #engine: TemplateEngine | undefined;
  #loading: Promise<void> | undefined;

  ready(): Promise<void> {
    this.#loading ??= import('./liquid-engine').then(({ LiquidTemplateEngine }) => {
      this.#engine = new LiquidTemplateEngine();
    });
    // A failed load is not kept: the next render tries again.
    this.#loading.catch(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  compile(source: string, mode: 'html' | 'text'): CompiledTemplate {
    if (!this.#engine) throw new Error('The template engine is not loaded: await ready() first');
    return this.#engine.compile(source, mode);
  }
}
