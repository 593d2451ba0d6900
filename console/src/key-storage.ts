/**
 * Where the pasted API key lives: sessionStorage only, so it is gone when the tab closes and
 * never reaches localStorage. A browser may refuse storage altogether (cookies blocked, a
 * sandboxed frame: reading `sessionStorage` throws a SecurityError); the console then keeps the
 * key in this page's memory instead of failing to render.
 */
const KEY_STORAGE = 'herald.apiKey';
let inMemory: string | undefined;

function storage(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export function readKey(): string | undefined {
  try {
    return storage()?.getItem(KEY_STORAGE) ?? inMemory;
  } catch {
    return inMemory;
  }
}

export function writeKey(value: string | undefined): void {
  inMemory = value;
  try {
    if (value) storage()?.setItem(KEY_STORAGE, value);
    else storage()?.removeItem(KEY_STORAGE);
  } catch {
    // Refused (or full): the in-memory copy serves this page.
  }
}
