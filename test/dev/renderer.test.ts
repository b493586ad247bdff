import { describe, expect, it } from 'vitest';
import { DevError } from '../../src/dev/errors.js';
import { loadPaper } from '../../src/dev/renderer.js';

describe('the renderer, an optional peer dependency', () => {
  it('loads @bigcommerce/stencil-paper-handlebars', async () => {
    expect(typeof (await loadPaper())).toBe('function');
  });

  it('says in one line how to install it when it is missing', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package '@bigcommerce/stencil-paper-handlebars'"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
      );
    const error = await loadPaper(missing).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DevError);
    expect((error as Error).message).toBe(
      "the dev command needs @bigcommerce/stencil-paper-handlebars: run 'npm install --save-dev @bigcommerce/stencil-paper-handlebars'",
    );
  });

  it('passes any other failure on', async () => {
    const broken = () => Promise.reject(new SyntaxError('unexpected token'));
    await expect(loadPaper(broken)).rejects.toThrow(SyntaxError);
  });
});
